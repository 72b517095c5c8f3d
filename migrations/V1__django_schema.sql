-- Django's own tables (auth, admin, contenttypes, sessions) with Django's exact SQLite DDL.
-- IF NOT EXISTS leaves an existing Django project's tables alone; SQLite drops the clause when it
-- stores the statement, so sqlite_master holds exactly what Django's migrate writes.

CREATE TABLE IF NOT EXISTS "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);
CREATE TABLE IF NOT EXISTS "django_content_type" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_label" varchar(100) NOT NULL, "model" varchar(100) NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "django_content_type_app_label_model_76bd3d3b_uniq" ON "django_content_type" ("app_label", "model");
CREATE TABLE IF NOT EXISTS "auth_permission" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "content_type_id" integer NOT NULL REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED, "codename" varchar(100) NOT NULL, "name" varchar(255) NOT NULL);
CREATE INDEX IF NOT EXISTS "auth_permission_content_type_id_2f476e4b" ON "auth_permission" ("content_type_id");
CREATE UNIQUE INDEX IF NOT EXISTS "auth_permission_content_type_id_codename_01ab375a_uniq" ON "auth_permission" ("content_type_id", "codename");
CREATE TABLE IF NOT EXISTS "auth_group" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(150) NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS "auth_group_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "auth_group_permissions_group_id_b120cbf9" ON "auth_group_permissions" ("group_id");
CREATE UNIQUE INDEX IF NOT EXISTS "auth_group_permissions_group_id_permission_id_0cd325b0_uniq" ON "auth_group_permissions" ("group_id", "permission_id");
CREATE INDEX IF NOT EXISTS "auth_group_permissions_permission_id_84c5c92e" ON "auth_group_permissions" ("permission_id");
CREATE TABLE IF NOT EXISTS "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL);
CREATE TABLE IF NOT EXISTS "auth_user_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "auth_user_groups_group_id_97559544" ON "auth_user_groups" ("group_id");
CREATE INDEX IF NOT EXISTS "auth_user_groups_user_id_6a12ed8b" ON "auth_user_groups" ("user_id");
CREATE UNIQUE INDEX IF NOT EXISTS "auth_user_groups_user_id_group_id_94350c0c_uniq" ON "auth_user_groups" ("user_id", "group_id");
CREATE TABLE IF NOT EXISTS "auth_user_user_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX IF NOT EXISTS "auth_user_user_permissions_permission_id_1fbb5f2c" ON "auth_user_user_permissions" ("permission_id");
CREATE INDEX IF NOT EXISTS "auth_user_user_permissions_user_id_a95ead1b" ON "auth_user_user_permissions" ("user_id");
CREATE UNIQUE INDEX IF NOT EXISTS "auth_user_user_permissions_user_id_permission_id_14a6b632_uniq" ON "auth_user_user_permissions" ("user_id", "permission_id");
CREATE TABLE IF NOT EXISTS "django_admin_log" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "object_id" text NULL, "object_repr" varchar(200) NOT NULL, "action_flag" smallint unsigned NOT NULL CHECK ("action_flag" >= 0), "change_message" text NOT NULL, "content_type_id" integer NULL REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "action_time" datetime NOT NULL);
CREATE INDEX IF NOT EXISTS "django_admin_log_content_type_id_c4bce8eb" ON "django_admin_log" ("content_type_id");
CREATE INDEX IF NOT EXISTS "django_admin_log_user_id_c564eba6" ON "django_admin_log" ("user_id");
CREATE TABLE IF NOT EXISTS "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL);
CREATE INDEX IF NOT EXISTS "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");

-- The migrations Django 4.2 to 6.1 record for these apps, so `manage.py migrate --check` passes.
INSERT INTO "django_migrations" ("app", "name", "applied")
SELECT m.app, m.name, strftime('%Y-%m-%d %H:%M:%f', 'now') || '000' FROM (
  SELECT 0 AS ord, 'contenttypes' AS app, '0001_initial' AS name
  UNION ALL SELECT 1, 'auth', '0001_initial'
  UNION ALL SELECT 2, 'admin', '0001_initial'
  UNION ALL SELECT 3, 'admin', '0002_logentry_remove_auto_add'
  UNION ALL SELECT 4, 'admin', '0003_logentry_add_action_flag_choices'
  UNION ALL SELECT 5, 'contenttypes', '0002_remove_content_type_name'
  UNION ALL SELECT 6, 'auth', '0002_alter_permission_name_max_length'
  UNION ALL SELECT 7, 'auth', '0003_alter_user_email_max_length'
  UNION ALL SELECT 8, 'auth', '0004_alter_user_username_opts'
  UNION ALL SELECT 9, 'auth', '0005_alter_user_last_login_null'
  UNION ALL SELECT 10, 'auth', '0006_require_contenttypes_0002'
  UNION ALL SELECT 11, 'auth', '0007_alter_validators_add_error_messages'
  UNION ALL SELECT 12, 'auth', '0008_alter_user_username_max_length'
  UNION ALL SELECT 13, 'auth', '0009_alter_user_last_name_max_length'
  UNION ALL SELECT 14, 'auth', '0010_alter_group_name_max_length'
  UNION ALL SELECT 15, 'auth', '0011_update_proxy_permissions'
  UNION ALL SELECT 16, 'auth', '0012_alter_user_first_name_max_length'
  UNION ALL SELECT 17, 'sessions', '0001_initial'
) AS m WHERE NOT EXISTS (SELECT 1 FROM "django_migrations" d WHERE d.app = m.app AND d.name = m.name) ORDER BY m.ord;

-- Content types and default permissions, in the order Django creates them.
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('admin', 'logentry');
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('auth', 'group');
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('auth', 'permission');
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('auth', 'user');
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('contenttypes', 'contenttype');
INSERT OR IGNORE INTO "django_content_type" ("app_label", "model") VALUES ('sessions', 'session');
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_logentry', 'Can add log entry' FROM "django_content_type" WHERE app_label = 'admin' AND model = 'logentry';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_logentry', 'Can change log entry' FROM "django_content_type" WHERE app_label = 'admin' AND model = 'logentry';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_logentry', 'Can delete log entry' FROM "django_content_type" WHERE app_label = 'admin' AND model = 'logentry';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_logentry', 'Can view log entry' FROM "django_content_type" WHERE app_label = 'admin' AND model = 'logentry';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_permission', 'Can add permission' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'permission';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_permission', 'Can change permission' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'permission';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_permission', 'Can delete permission' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'permission';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_permission', 'Can view permission' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'permission';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_group', 'Can add group' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'group';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_group', 'Can change group' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'group';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_group', 'Can delete group' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'group';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_group', 'Can view group' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'group';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_user', 'Can add user' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'user';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_user', 'Can change user' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'user';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_user', 'Can delete user' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'user';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_user', 'Can view user' FROM "django_content_type" WHERE app_label = 'auth' AND model = 'user';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_contenttype', 'Can add content type' FROM "django_content_type" WHERE app_label = 'contenttypes' AND model = 'contenttype';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_contenttype', 'Can change content type' FROM "django_content_type" WHERE app_label = 'contenttypes' AND model = 'contenttype';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_contenttype', 'Can delete content type' FROM "django_content_type" WHERE app_label = 'contenttypes' AND model = 'contenttype';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_contenttype', 'Can view content type' FROM "django_content_type" WHERE app_label = 'contenttypes' AND model = 'contenttype';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'add_session', 'Can add session' FROM "django_content_type" WHERE app_label = 'sessions' AND model = 'session';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'change_session', 'Can change session' FROM "django_content_type" WHERE app_label = 'sessions' AND model = 'session';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'delete_session', 'Can delete session' FROM "django_content_type" WHERE app_label = 'sessions' AND model = 'session';
INSERT OR IGNORE INTO "auth_permission" ("content_type_id", "codename", "name") SELECT id, 'view_session', 'Can view session' FROM "django_content_type" WHERE app_label = 'sessions' AND model = 'session';
