//! The HTML view: incidents with comments and status history, escaping, and
//! the send button (POST, redirect back, delivery made).

use mock_contraforce::IncidentTemplate;
use reqwest::redirect::Policy;

use crate::support::*;

async fn page(base: &str) -> String {
    let response = reqwest::get(format!("{base}/")).await.expect("page");
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    response.text().await.expect("text")
}

#[tokio::test]
async fn page_lists_incidents_comments_and_status_escaped() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;
    let template = IncidentTemplate::new().title("Login <script>alert(1)</script> & co");
    let delivery = mock.send_incident(&template).await.expect("sent");
    let id = delivery.incident_id.expect("id");
    post_comment(&mock, &id, "Analyst says <b>\"hi\"</b>").await;
    put_status(&mock, &id, &close_body(&id)).await;

    let html = page(&mock.base_url()).await;
    assert!(
        html.contains("Login &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "nothing unescaped");
    assert!(html.contains("Analyst says &lt;b&gt;\"hi\"&lt;/b&gt;"));
    assert!(html.contains("#1001"));
    assert!(html.contains(&id));
    assert!(html.contains("Undetermined") && html.contains("InaccurateData"));
    assert!(html.contains(&delivery.event_id), "the attempt is listed");
    assert!(html.contains("test infrastructure") || html.contains("Test infrastructure"));
}

#[tokio::test]
async fn send_button_sends_and_redirects_back() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;
    let html = page(&mock.base_url()).await;
    assert!(html.contains("action=\"/_admin/ui/send-incident\""));

    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let response = client
        .post(format!("{}/_admin/ui/send-incident", mock.base_url()))
        .form(&[
            ("title", "From the button"),
            ("severity", "Low"),
            ("source", "crowdstrike"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(location.starts_with("/?notice="), "{location}");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].signature_ok);
    assert_eq!(received[0].json()["data"]["title"], "From the button");
    assert_eq!(received[0].json()["data"]["severity"], "Low");

    let html = page(
        &format!("{}{}", mock.base_url(), location.trim_start_matches('/')).replacen("?", "/?", 1),
    )
    .await;
    assert!(html.contains("From the button"));
    assert!(html.contains("HTTP 200"), "the notice reports the answer");

    let response = client
        .post(format!("{}/_admin/ui/send-test", mock.base_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
    assert_eq!(receiver.received()[1].header("x-cf-test"), Some("true"));
}
