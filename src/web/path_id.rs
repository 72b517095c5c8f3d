//! `PathId`: the number in a route's `{id}` segment, taken as a handler argument.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};

/// The route's one path parameter as a number (`/imports/{id}`): `PathId(id): PathId`. A path
/// where it is not a number is refused exactly as `web::Path<i64>` refuses it.
pub struct PathId(pub i64);

impl FromRequest for PathId {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = web::Path::<i64>::extract(req).into_inner();
        ready(id.map(|path| Self(path.into_inner())))
    }
}
