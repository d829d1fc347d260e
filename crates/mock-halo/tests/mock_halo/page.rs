//! The HTML page: tickets with their actions, escaped, and forms that add
//! notes and close or reopen a ticket, then redirect back.

use mock_halo::{TicketInput, WebhookConfig};

use crate::support::{Receiver, http, start};

#[tokio::test]
async fn the_page_lists_tickets_and_actions_escaped() {
    let halo = start().await;
    let mut input = TicketInput::with_summary("<script>alert(1)</script> phishing");
    input.thirdpartynumber = Some("cf|s|\"quoted\"".into());
    let id = halo.create_ticket(&input).unwrap().id;
    halo.add_note(id, 6, "<p>a &amp; b <img src=x></p>", true)
        .unwrap();

    let response = http()
        .get(format!("{}/", halo.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!("id=\"ticket-{id}\"")));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; phishing"));
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<img"));
    assert!(page.contains("a &amp; b"), "the note text, escaped");
    assert!(page.contains(&format!("action=\"/ui/tickets/{id}/note\"")));
    assert!(page.contains(&format!("action=\"/ui/tickets/{id}/close\"")));
    assert!(page.contains("value=\"private\""));
    halo.stop().await;
}

#[tokio::test]
async fn the_note_form_adds_a_public_or_private_note_and_redirects_back() {
    let halo = start().await;
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    let url = format!("{}/ui/tickets/{id}/note", halo.base_url());

    let public = http()
        .post(&url)
        .form(&[
            ("note", "Resetting <now>"),
            ("visibility", "public"),
            ("agent_id", "8"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 303);
    assert_eq!(public.headers()["location"], format!("/#ticket-{id}"));
    let private = http()
        .post(&url)
        .form(&[("note", "internal"), ("visibility", "private")])
        .send()
        .await
        .unwrap();
    assert_eq!(private.status(), 303);

    let actions = halo.actions(id);
    assert_eq!(actions.len(), 3);
    assert_eq!(actions[1].note_html, "<p>Resetting &lt;now&gt;</p>");
    assert_eq!(
        (actions[1].hiddenfromuser, actions[1].who_agentid),
        (false, 8)
    );
    assert_eq!(
        (actions[2].hiddenfromuser, actions[2].who_agentid),
        (true, 6)
    );

    let empty = http()
        .post(&url)
        .form(&[("note", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    let unknown = http()
        .post(format!("{}/ui/tickets/999/note", halo.base_url()))
        .form(&[("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    halo.stop().await;
}

#[tokio::test]
async fn the_close_and_reopen_forms_change_the_status_and_send_webhooks() {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    halo.set_webhook(Some(WebhookConfig::new(&receiver.url)))
        .unwrap();

    let close = http()
        .post(format!("{}/ui/tickets/{id}/close", halo.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(close.status(), 303);
    assert_eq!(halo.ticket(id).unwrap().ticket.status_id, 9);
    let page = http()
        .get(format!("{}/", halo.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("action=\"/ui/tickets/{id}/reopen\"")));

    let reopen = http()
        .post(format!("{}/ui/tickets/{id}/reopen", halo.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reopen.status(), 303);
    let ticket = halo.ticket(id).unwrap().ticket;
    assert_eq!((ticket.status_id, ticket.hasbeenclosed), (2, true));

    let deliveries = halo
        .wait_for_deliveries(2, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(deliveries[0].events, vec!["ticket status changed"]);
    assert_eq!(receiver.seen()[0].body["action"]["outcome"], "Close");
    halo.stop().await;
    receiver.stop().await;
}
