//! Organizations over HTTP: tenancy, roles, invitations, the audit log and the review console.

mod support;

use app::entities::{audit_log, invite, membership, organization};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use support::smtp::link_path;
use support::{client_for, spawn_app, PASSWORD};

#[tokio::test]
async fn a_member_of_one_organization_gets_404_for_every_page_and_server_function_of_another() {
    let app = spawn_app().await;
    let theirs = app.signed_in_owner("owner-b@example.com", "Organization B").await;
    let intruder = client_for(app.address);
    app.call_with(
        &intruder,
        "sign_up",
        &[("email", "owner-a@example.com"), ("password", PASSWORD), ("organization_name", "Organization A")],
    )
    .await;
    let mail = app.inbox().wait_for("owner-a@example.com", "Verify your email").await;
    let token = link_path(&mail.text, "/verify").split("token=").nth(1).expect("token").to_owned();
    app.call_with(&intruder, "verify_email", &[("token", &token)]).await;
    assert_eq!(app.sign_in_with(&intruder, "owner-a@example.com", PASSWORD).await.status(), StatusCode::OK);

    for page in ["", "/members", "/activity", "/settings"] {
        let response = intruder.get(app.url(&format!("/orgs/{theirs}{page}"))).send().await.expect("page");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "page /orgs/B{page}");
        assert!(
            !response.text().await.expect("body").contains("Organization B"),
            "nothing of B leaks on {page}"
        );
    }
    let calls: [(&str, Vec<(&str, &str)>); 8] = [
        ("load_org_context", vec![("id", &theirs)]),
        ("members", vec![("id", &theirs)]),
        ("activity", vec![("id", &theirs)]),
        ("rename_organization", vec![("id", &theirs), ("name", "Taken over")]),
        ("invite_member", vec![("id", &theirs), ("email", "spy@example.com"), ("role", "owner")]),
        ("change_role", vec![("id", &theirs), ("user_id", "x"), ("role", "owner")]),
        ("remove_member", vec![("id", &theirs), ("user_id", "x")]),
        ("revoke_invite", vec![("id", &theirs), ("invite_id", "x")]),
    ];
    for (endpoint, form) in calls {
        let response = app.call_with(&intruder, endpoint, &form).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "server function {endpoint}");
    }
    let stored = organization::Entity::find_by_id(&theirs).one(&app.db).await.expect("query").expect("org");
    assert_eq!(stored.name, "Organization B");
    assert_eq!(invite::Entity::find().count(&app.db).await.expect("count"), 0);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_server_functions_answer_401() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("owner@example.com", "Private").await;
    let stranger = client_for(app.address);
    let response =
        stranger.get(app.url(&format!("/orgs/{organization}/members"))).send().await.expect("page");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], format!("/signin?next=/orgs/{organization}/members").as_str());
    let call = app.call_with(&stranger, "members", &[("id", &organization)]).await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_viewer_can_read_but_every_change_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("boss@example.com", "Readers Inc").await;
    let viewer = app.add_member(&organization, "reader@example.com", "viewer").await;

    let page = viewer.get(app.url(&format!("/orgs/{organization}/members"))).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.expect("body");
    assert!(body.contains("boss@example.com") && body.contains("Viewer"));
    assert!(!body.contains("Send invite"), "viewers are not offered changes");

    let boss_id = app::services::accounts::find_user_by_email(&app.db, "boss@example.com")
        .await
        .expect("q")
        .expect("boss")
        .id;
    let changes: [(&str, Vec<(&str, &str)>); 4] = [
        ("rename_organization", vec![("id", &organization), ("name", "Renamed")]),
        ("invite_member", vec![("id", &organization), ("email", "friend@example.com"), ("role", "owner")]),
        ("change_role", vec![("id", &organization), ("user_id", &boss_id), ("role", "viewer")]),
        ("remove_member", vec![("id", &organization), ("user_id", &boss_id)]),
    ];
    for (endpoint, form) in changes {
        let response = app.call_with(&viewer, endpoint, &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{endpoint}");
    }
    let activity = app.call_with(&viewer, "activity", &[("id", &organization)]).await;
    assert_eq!(activity.status(), StatusCode::FORBIDDEN, "the activity log is for owners");
    let stored = organization::Entity::find_by_id(&organization).one(&app.db).await.expect("q").expect("org");
    assert_eq!(stored.name, "Readers Inc");
    assert_eq!(
        membership::Entity::find()
            .filter(membership::Column::OrganizationId.eq(&organization))
            .count(&app.db)
            .await
            .expect("count"),
        2
    );
}

#[tokio::test]
async fn an_invitation_is_accepted_only_by_the_invited_address_and_only_once() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("host@example.com", "Hosts").await;
    let response = app
        .call(
            "invite_member",
            &[("id", &organization), ("email", "guest@example.com"), ("role", "developer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mail = app.inbox().wait_for("guest@example.com", "invited you").await;
    assert!(mail.subject.contains("host@example.com invited you to Hosts"));
    let token = link_path(&mail.text, "/invites/").trim_start_matches("/invites/").to_owned();

    // Someone else, signed in, cannot take it.
    let eve = client_for(app.address);
    let form = [("email", "eve@example.com"), ("password", PASSWORD), ("organization_name", "Eve")];
    app.call_with(&eve, "sign_up", &form).await;
    let mail = app.inbox().wait_for("eve@example.com", "Verify your email").await;
    let verify_token = link_path(&mail.text, "/verify").split("token=").nth(1).expect("token").to_owned();
    app.call_with(&eve, "verify_email", &[("token", &verify_token)]).await;
    assert_eq!(app.sign_in_with(&eve, "eve@example.com", PASSWORD).await.status(), StatusCode::OK);
    let stolen = app.call_with(&eve, "accept_invite", &[("token", &token)]).await;
    assert_eq!(stolen.status(), StatusCode::BAD_REQUEST);
    assert!(stolen.text().await.expect("body").contains("sent to guest@example.com"));

    let guest = app.add_member(&organization, "guest2@example.com", "developer").await;
    let page = guest.get(app.url(&format!("/orgs/{organization}/members"))).send().await.expect("page");
    let body = page.text().await.expect("body");
    assert!(
        body.contains("guest2@example.com")
            && body.contains("Developer")
            && body.contains("host@example.com")
    );
}

#[tokio::test]
async fn resending_an_invitation_replaces_its_link_and_revoking_kills_it() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("inviter@example.com", "Inviters").await;
    app.call("invite_member", &[("id", &organization), ("email", "late@example.com"), ("role", "viewer")])
        .await;
    let first = app.inbox().wait_for("late@example.com", "invited you").await;
    let first_token = link_path(&first.text, "/invites/").trim_start_matches("/invites/").to_owned();
    let pending = invite::Entity::find().one(&app.db).await.expect("q").expect("invite");
    assert_eq!(
        app.call("resend_invite", &[("id", &organization), ("invite_id", &pending.id)]).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.inbox().wait_for_count("late@example.com", 2).await, 2);
    let (status, _) = app.page(&format!("/invites/{first_token}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the old link no longer works");
    assert_eq!(
        app.call("revoke_invite", &[("id", &organization), ("invite_id", &pending.id)]).await.status(),
        StatusCode::OK
    );
    let second = app
        .inbox()
        .all()
        .into_iter()
        .rev()
        .find(|m| m.recipients.contains(&"late@example.com".to_owned()))
        .expect("mail");
    let second_token = link_path(&second.text, "/invites/").trim_start_matches("/invites/").to_owned();
    let view = app.call("view_invite", &[("token", &second_token)]).await;
    assert_eq!(view.status(), StatusCode::BAD_REQUEST, "a revoked invitation is dead");
}

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let app = spawn_app().await;
    let organization = app.signed_in_owner("only@example.com", "Solo").await;
    let me = app::services::accounts::find_user_by_email(&app.db, "only@example.com")
        .await
        .expect("q")
        .expect("me")
        .id;
    let demote =
        app.call("change_role", &[("id", &organization), ("user_id", &me), ("role", "developer")]).await;
    assert_eq!(demote.status(), StatusCode::BAD_REQUEST);
    assert!(demote.text().await.expect("body").contains("at least one owner"));
    let leave = app.call("remove_member", &[("id", &organization), ("user_id", &me)]).await;
    assert_eq!(leave.status(), StatusCode::BAD_REQUEST);

    // With a second owner, the first may step down.
    app.add_member(&organization, "second@example.com", "owner").await;
    let demote =
        app.call("change_role", &[("id", &organization), ("user_id", &me), ("role", "developer")]).await;
    assert_eq!(demote.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_user_can_create_and_switch_between_organizations_and_changes_are_audited() {
    let app = spawn_app().await;
    let first = app.signed_in_owner("multi@example.com", "First Org").await;
    let created = app.call("create_organization", &[("name", "Second Org")]).await;
    assert_eq!(created.status(), StatusCode::OK);
    let location = created.headers()["location"].to_str().expect("location").to_owned();
    let second = location.trim_start_matches("/orgs/").to_owned();
    assert_ne!(first, second);
    let (_, page) = app.page(&location).await;
    assert!(page.contains("Second Org") && page.contains("First Org"), "the switcher lists both");

    let bad = app.call("create_organization", &[("name", " ")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.expect("body").contains("Enter an organization name"));

    let renamed = app.call("rename_organization", &[("id", &second), ("name", "Second Renamed")]).await;
    assert_eq!(renamed.headers()["location"], format!("/orgs/{second}/settings?saved=1").as_str());
    let (_, settings) = app.page(&format!("/orgs/{second}/settings?saved=1")).await;
    assert!(settings.contains("Organization renamed.") && settings.contains("Second Renamed"));
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(&second))
        .all(&app.db)
        .await
        .expect("q");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"organization.created") && actions.contains(&"organization.renamed"),
        "{actions:?}"
    );
    let (status, page) = app.page(&format!("/orgs/{second}/activity")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("organization.renamed") && page.contains("multi@example.com"));
}

#[tokio::test]
async fn reviewers_see_the_review_console_and_members_get_404() {
    let app = spawn_app().await;
    app.signed_in_owner("member@example.com", "Members").await;
    let (status, _) = app.page("/review").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.call("load_review_queue", &[]).await.status(), StatusCode::NOT_FOUND);

    app::services::accounts::create_reviewer(&app.db, "reviewer@replenish.test", PASSWORD)
        .await
        .expect("reviewer");
    let reviewer = client_for(app.address);
    assert_eq!(
        app.sign_in_with(&reviewer, "reviewer@replenish.test", PASSWORD).await.status(),
        StatusCode::OK
    );
    let page = reviewer.get(app.url("/review")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("body").contains("No requests are waiting."));
}
