//! One user's page and its form on PostgreSQL (`UserAdminStore`): the same reads and writes as
//! `db::user_admin` on SQLite, on the user model's table (`auth_user` by default), `auth_group`
//! and the model's group link table.

use postgres::types::FromSqlOwned;

use super::accounts::ASCII_FOLD;
use super::invitations::{user_columns, user_record};
use super::sessions::PgWeb;
use crate::db::user_admin_store::{UserAdminStore, UserRow};
use crate::db::user_list::UserQuery;
use crate::db::users::UserDetail;
use crate::db::web_store::StoreResult;
use crate::domain::fields::ascii_casefold;

/// The one value the query answers with.
fn scalar<T: FromSqlOwned>(
    web: &mut PgWeb<'_>,
    sql: &str,
    args: &[super::web_users::Arg<'_>],
) -> StoreResult<T> {
    Ok(web.0.query_one(sql, args)?.get(0))
}

impl UserAdminStore for PgWeb<'_> {
    fn user_detail(&mut self, user_id: i64) -> StoreResult<Option<UserDetail>> {
        let row = self.0.query_opt(
            &format!(
                "SELECT {}, ou.name::text, COALESCE(p.job_title, '')::text, p.import_id::bigint \
                 FROM {} u LEFT JOIN roster_user_profile p ON p.user_id = u.id \
                 LEFT JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
                 WHERE u.id = $1::bigint",
                user_columns("u."),
                super::users().table()
            ),
            &[&user_id],
        )?;
        // Read as Django reads them (USE_TZ); the trait answers in UTC, as on SQLite.
        let users = super::users();
        Ok(row.map(|row| {
            let mut user = user_record(&row);
            user.last_login = user.last_login.map(|at| users.utc_datetime(&at));
            user.date_joined = users.utc_datetime(&user.date_joined);
            UserDetail {
                user,
                organizational_unit: row.get(11),
                job_title: row.get(12),
                import_id: row.get(13),
            }
        }))
    }

    fn groups(&mut self) -> StoreResult<Vec<(i64, String)>> {
        // By code point, as SQLite sorts them.
        let rows = self.0.query(
            "SELECT id::bigint, name::text FROM auth_group ORDER BY name COLLATE \"C\"",
            &[],
        )?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    fn group_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>> {
        let users = super::users();
        let (links, user_column, group_column) = users.groups();
        let sql = format!(
            "SELECT {group_column}::bigint FROM {links} WHERE {user_column} = $1::bigint \
             ORDER BY {group_column}"
        );
        let rows = self.0.query(&sql, &[&user_id])?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn session_count(&mut self, user_id: i64) -> StoreResult<i64> {
        scalar(
            self,
            "SELECT COUNT(*) FROM roster_session WHERE user_id = $1::bigint AND expires_at > now()",
            &[&user_id],
        )
    }

    fn terminate_sessions(&mut self, user_id: i64) -> StoreResult<usize> {
        let ended = self.0.execute(
            "DELETE FROM roster_session WHERE user_id = $1::bigint",
            &[&user_id],
        )?;
        Ok(usize::try_from(ended)?)
    }

    fn email_taken_by_other(&mut self, user_id: i64, email: &str) -> StoreResult<bool> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE id <> $1::bigint AND $2 <> '' AND {} = $2)",
            super::users().table(),
            ASCII_FOLD.replace("{}", "email")
        );
        scalar(self, &sql, &[&user_id, &ascii_casefold(email)])
    }

    fn unit_exists(&mut self, unit_id: i64) -> StoreResult<bool> {
        scalar(
            self,
            "SELECT EXISTS (SELECT 1 FROM roster_organizational_unit WHERE id = $1::bigint)",
            &[&unit_id],
        )
    }

    fn active_admin_count(&mut self) -> StoreResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE is_active AND is_staff AND is_superuser",
            super::users().table()
        );
        scalar(self, &sql, &[])
    }

    fn update_user(&mut self, user_id: i64, row: &UserRow<'_>) -> StoreResult<()> {
        let users = super::users();
        let sql = format!(
            "UPDATE {} SET {}, email = $3, is_staff = $4, is_superuser = $5, is_active = $6 \
             WHERE id = $7::bigint",
            users.table(),
            users.name_assignments("$1::text", "$2::text")
        );
        self.0.execute(
            &sql,
            &[
                &row.first_name,
                &row.last_name,
                &row.email,
                &row.is_staff,
                &row.is_superuser,
                &row.is_active,
                &user_id,
            ],
        )?;
        Ok(())
    }

    fn profile(&mut self, user_id: i64) -> StoreResult<Option<(Option<i64>, String)>> {
        let row = self.0.query_opt(
            "SELECT organizational_unit_id::bigint, job_title FROM roster_user_profile \
             WHERE user_id = $1::bigint",
            &[&user_id],
        )?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    fn save_profile(&mut self, user_id: i64, unit: Option<i64>, title: &str) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO roster_user_profile (user_id, organizational_unit_id, job_title) \
             VALUES ($1::bigint, $2::bigint, $3) ON CONFLICT (user_id) DO UPDATE SET \
             organizational_unit_id = excluded.organizational_unit_id, \
             job_title = excluded.job_title",
            &[&user_id, &unit, &title],
        )?;
        Ok(())
    }

    fn replace_groups(&mut self, user_id: i64, group_ids: &[i64]) -> StoreResult<()> {
        let users = super::users();
        let (links, user_column, group_column) = users.groups();
        self.0.execute(
            &format!("DELETE FROM {links} WHERE {user_column} = $1::bigint"),
            &[&user_id],
        )?;
        self.0.execute(
            &format!(
                "INSERT INTO {links} ({user_column}, {group_column}) \
                 SELECT $1::bigint, id FROM auth_group WHERE id = ANY($2::bigint[]) ORDER BY id"
            ),
            &[&user_id, &group_ids],
        )?;
        Ok(())
    }

    fn matching_ids(&mut self, query: &UserQuery, limit: i64) -> StoreResult<Vec<i64>> {
        let (clause, values) = super::web_users::conditions(query);
        let mut args: Vec<super::web_users::Arg<'_>> =
            values.iter().map(|value| value.as_ref()).collect();
        args.push(&limit);
        // By code point, as SQLite orders them.
        let sql = format!(
            "SELECT u.id::bigint FROM {} u {clause} \
             ORDER BY u.username COLLATE \"C\", u.id LIMIT ${}",
            super::users().table(),
            args.len()
        );
        let rows = self.0.query(&sql, &args)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}
