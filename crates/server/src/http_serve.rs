//! Serving HTTP/1.1 connections with read deadlines.
//!
//! `axum::serve` installs no timer, and hyper's header read timeout does nothing without one: a
//! client that opened connections and never finished its headers, or announced a body and sent
//! a byte of it, held each connection for ever. Here a request's head must arrive within the
//! read timeout of the moment the server waits for it, when the connection opens or its last
//! answer is sent (else the connection is closed, so idle connections go too), and its body
//! within the read timeout after the head (else [`BodyTimedOut`], which the receiver and the
//! API answer 408). An answer still streaming (the event stream) has no deadline. The accept
//! loop and graceful shutdown are axum's own.

use axum::Router;
use axum::http::Request;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tower::Service;

/// Serves `app` on `listener` until `shutdown` completes, then waits for open requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (signal_tx, signal_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(signal_rx);
    });
    let (close_tx, close_rx) = watch::channel(());
    loop {
        let stream = tokio::select! {
            stream = accept(&listener) => stream,
            _ = signal_tx.closed() => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let request = request.map(|body| DeadlineBody::new(body, read_timeout));
            app.clone().call(request)
        });
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let mut shutting_down = std::pin::pin!(signal_tx.closed());
            // The shutdown future is polled only until it completes once: polling a finished
            // `async fn` again panics, which dropped every request still in progress.
            let mut shutdown_begun = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!("connection ended: {e}");
                        }
                        break;
                    }
                    _ = &mut shutting_down, if !shutdown_begun => {
                        shutdown_begun = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(close_rx);
        });
    }
    drop(close_rx);
    drop(listener);
    close_tx.closed().await;
}

/// The next connection. Errors of one connection are skipped; others (too many open files)
/// are retried after a second, as axum does, rather than spinning or stopping the server.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                tracing::error!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// A request body that fails with [`BodyTimedOut`] once its deadline passes. A body that has
/// arrived with its head, as almost every one has, never arms a timer.
struct DeadlineBody {
    body: Incoming,
    timeout: Duration,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl DeadlineBody {
    fn new(body: Incoming, timeout: Duration) -> Self {
        DeadlineBody {
            body,
            timeout,
            deadline: Instant::now() + timeout,
            sleep: None,
        }
    }
}

impl Body for DeadlineBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = self.deadline;
        let sleep =
            (self.sleep).get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(sleep.as_mut().poll(cx));
        Poll::Ready(Some(Err(Box::new(BodyTimedOut {
            secs: self.timeout.as_secs(),
        }))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the body did not arrive within {secs} s")]
pub struct BodyTimedOut {
    pub secs: u64,
}
