use crate::{app_test, helpers::TestApp};

app_test!(
    healthz_answers_when_the_database_does,
    |app: TestApp| async move {
        let response = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
);

app_test!(
    every_response_has_a_request_id_and_safety_headers,
    |app: TestApp| async move {
        let response = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-request-id"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            response.headers()["content-security-policy"],
            "frame-ancestors 'self'"
        );
    }
);

app_test!(
    pages_are_compressed_when_the_client_accepts_it,
    |app: TestApp| async move {
        let response = app
            .client
            .get(app.url("/"))
            .header("Accept-Encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], "br");
    }
);

app_test!(unknown_paths_are_404_pages, |app: TestApp| async move {
    let response = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
});
