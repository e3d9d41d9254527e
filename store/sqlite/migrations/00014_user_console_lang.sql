-- The console's language is each person's choice, kept with them (crm.User.ConsoleLang), so it
-- follows them to any browser and replica. '' means not chosen yet (English).

-- +goose Up
ALTER TABLE users ADD COLUMN console_lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN console_lang;
