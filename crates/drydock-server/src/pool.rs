//! A few store connections shared by the handlers. The store is synchronous (rusqlite,
//! postgres), so each call runs on a blocking thread while holding one connection; the
//! semaphore bounds both. A connection whose call failed is dropped rather than reused, in case
//! the failure was the connection itself.

use crate::api::ApiError;
use drydock_store::{Location, Store};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

pub struct Pool {
    location: Location,
    idle: Mutex<Vec<Store>>,
    permits: Arc<Semaphore>,
}

/// A synchronous PostgreSQL client runs its own small runtime and blocks on it when dropped,
/// which panics on a thread running tokio's runtime (where the pool's last owner may let it go:
/// the serve loop's `block_on`, or the runtime shutting down). The idle connections are
/// therefore dropped on a plain thread of their own.
impl Drop for Pool {
    fn drop(&mut self) {
        let idle = self.idle.get_mut().map(std::mem::take).unwrap_or_default();
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl Pool {
    /// Opens (and migrates) one connection now, so a bad store fails at start.
    pub fn open(location: Location, size: usize) -> drydock_store::Result<Pool> {
        let first = Store::open_location(location.clone())?;
        Ok(Pool {
            location,
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size.max(1))),
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn with<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> drydock_store::Result<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
        let pool = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let idle = pool.idle.lock().ok().and_then(|mut v| v.pop());
            let mut store = match idle {
                Some(s) => s,
                None => Store::open_location(pool.location.clone())?,
            };
            let out = f(&mut store);
            // (Dropped here otherwise: a blocking-pool thread may block, unlike the others.)
            if out.is_ok()
                && let Ok(mut v) = pool.idle.lock()
            {
                v.push(store);
            }
            out
        })
        .await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(ApiError::store(&self.location, &e)),
            Err(e) => Err(ApiError::internal(format!("store call failed: {e}"))),
        }
    }
}
