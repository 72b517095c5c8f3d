//! Telling a web server from a mail server, for a check whose SMTP greeting failed.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Whether the server at `addr` talks HTTP: it greets with an HTTP response, or waits for the
/// client and answers an `EHLO` line with one (as web servers answer a malformed request).
pub(crate) fn speaks_http(addr: SocketAddr, timeout: Duration) -> bool {
    let probe = || -> io::Result<bool> {
        let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
        let mut answer = [0u8; 16];
        stream.set_read_timeout(Some(timeout.min(Duration::from_millis(500))))?;
        match stream.read(&mut answer) {
            Ok(n) => return Ok(answer[..n].starts_with(b"HTTP/")),
            Err(e)
                if !matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(e);
            }
            Err(_) => {}
        }
        stream.write_all(b"EHLO roster.invalid\r\n")?;
        stream.set_read_timeout(Some(timeout.min(Duration::from_secs(3))))?;
        let n = stream.read(&mut answer)?;
        Ok(answer[..n].starts_with(b"HTTP/"))
    };
    probe().unwrap_or(false)
}

pub(crate) fn message(host: &str, port: u16) -> String {
    format!(
        "{host}:{port} answered in HTTP: that port is a web server, not a mail server. Set the \
         mail server's SMTP port (usually 587 with STARTTLS, 465 with TLS, or 25)."
    )
}
