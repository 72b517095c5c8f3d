-- Undo and user deletion look rows up by user: index the two user_id columns that had none.
CREATE INDEX roster_import_row_user ON roster_import_row (user_id);
CREATE INDEX roster_invitation_user ON roster_invitation (user_id);
