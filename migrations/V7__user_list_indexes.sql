-- The user list sorts by name, e-mail and dates at 100,000 users: walk an index, not a temporary B-tree.
-- Extra indexes on Django's auth_user leave Django's migrate, check and flush unaffected.
CREATE INDEX roster_auth_user_name ON auth_user (last_name, first_name);
CREATE INDEX roster_auth_user_email ON auth_user (email);
CREATE INDEX roster_auth_user_date_joined ON auth_user (date_joined);
