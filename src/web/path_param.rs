//! `PathParam`: a route's one path parameter, taken apart in the handler's argument list.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};
use serde::de::DeserializeOwned;

/// The route's one path parameter (`/imports/{id}`), as `PathParam(id): PathParam<i64>`. A path
/// whose parameter does not parse is refused exactly as `web::Path<T>` refuses it.
pub struct PathParam<T>(pub T);

impl<T: DeserializeOwned> FromRequest for PathParam<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = web::Path::<T>::extract(req).into_inner();
        ready(value.map(|path| Self(path.into_inner())))
    }
}
