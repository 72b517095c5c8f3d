//! Slow and piled-up connections: a cap on open connections per client and an idle timeout on request bodies.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{Sleep, sleep};
use actix_web::web::Bytes;
use futures_util::Stream;

use super::ratelimit::client_bucket;

/// Most connections one client (an IPv4 address or an IPv6 /64) may hold open at once.
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 64;
/// How long a request body may stall before the request is dropped.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Open connections per client, shared by all workers.
#[derive(Debug, Clone)]
pub struct ConnectionCounts {
    per_client: Arc<Mutex<HashMap<String, usize>>>,
    max_per_client: usize,
}

/// Held for the life of one connection; gives its slot back when the connection closes.
struct ConnectionSlot {
    counts: ConnectionCounts,
    client: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut per_client = self.counts.lock();
        if let Some(open) = per_client.get_mut(&self.client) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                per_client.remove(&self.client);
            }
        }
    }
}

impl ConnectionCounts {
    pub fn new(max_per_client: usize) -> Self {
        Self {
            per_client: Arc::default(),
            max_per_client,
        }
    }

    /// Counts a new connection; shuts it down at once when its client already holds the most
    /// allowed, so the descriptor is freed without waiting for any timeout.
    pub fn on_connect(&self, connection: &dyn Any, data: &mut Extensions) {
        let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let client = client_bucket(peer.ip());
        let open = {
            let mut per_client = self.lock();
            let open = per_client.entry(client.clone()).or_insert(0);
            *open += 1;
            *open
        };
        // The slot is stored even for a refused connection, so its count is given back on close.
        data.insert(ConnectionSlot {
            counts: self.clone(),
            client,
        });
        if open > self.max_per_client {
            tracing::warn!(open, "connection refused: too many open from one client");
            let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.per_client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Gives every request body `BODY_IDLE_TIMEOUT` between chunks; a stalled body ends in an error,
/// the handler answers 400 and the connection is closed.
pub async fn body_idle_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let inner = req.take_payload();
    req.set_payload(Payload::Stream {
        payload: Box::pin(IdleTimeout {
            inner,
            idle: BODY_IDLE_TIMEOUT,
            timer: Box::pin(sleep(BODY_IDLE_TIMEOUT)),
            polled: false,
            expired: false,
        }),
    });
    next.call(req).await
}

/// A body stream that fails once no chunk has arrived for `idle`.
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    /// The clock starts when the handler first asks for the body, not when the request came in.
    polled: bool,
    expired: bool,
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if !this.polled {
            this.polled = true;
            let deadline = actix_web::rt::time::Instant::now() + this.idle;
            this.timer.as_mut().reset(deadline);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                let deadline = actix_web::rt::time::Instant::now() + this.idle;
                this.timer.as_mut().reset(deadline);
                Poll::Ready(item)
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.expired = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body stopped arriving",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
