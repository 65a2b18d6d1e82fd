//! The REST API as a second client beside the browser, with its own session cookie: for
//! setting up data before a page opens, or changing it while the page watches.

use crate::{EMAIL, PASSWORD, Server};
use reqwest::Method;
use serde_json::{Value, json};

pub struct Api {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Api {
    /// Logs in as [`EMAIL`] (see [`crate::owner_server`]).
    pub async fn login(server: &Server) -> Api {
        let http = reqwest::Client::new();
        let response = http
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .await
            .expect("API login");
        assert_eq!(response.status(), 200, "API login");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        Api {
            http,
            base: server.base.clone(),
            cookie,
        }
    }

    /// One request to `/api/v1{path}`: (status, JSON body, `null` when there is none).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API call");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// A request that must succeed (any 2xx); returns the JSON body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method, path, body).await;
        assert!((200..300).contains(&status), "{path}: {status} {body}");
        body
    }

    /// Creates an SMS bot with US numbers; returns its id.
    pub async fn create_bot(&self, name: &str) -> i64 {
        let (status, bot) = self
            .call(
                Method::POST,
                "/bots",
                Some(json!({"name": name, "channel": "sms", "default_country": "US"})),
            )
            .await;
        assert_eq!(status, 201, "create bot: {bot}");
        bot["id"].as_i64().expect("bot id")
    }
}
