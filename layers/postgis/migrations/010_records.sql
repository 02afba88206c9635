-- 010_records: who may write, who wrote what, and proposals that are written
-- exactly once and replaced only by their own source.

-- Every proposal names where it came from: 'api' (submitted through the HTTP
-- API), 'file:NAME' (imported from the file NAME), 'demo'. An import replaces
-- the proposals of its own source only. Rows stored before this migration
-- came from imports.
ALTER TABLE projects ADD COLUMN source text NOT NULL DEFAULT 'import'
    CONSTRAINT projects_source_check CHECK (source <> '');
ALTER TABLE projects ADD COLUMN submitted_by text;
ALTER TABLE projects ADD COLUMN revision bigint NOT NULL DEFAULT 1
    CONSTRAINT projects_revision_check CHECK (revision >= 1);
CREATE INDEX projects_source_idx ON projects (source);
COMMENT ON COLUMN projects.source IS 'Where the proposal came from: api, file:NAME, demo; the unit of replacement of an import.';
COMMENT ON COLUMN projects.submitted_by IS 'Name of the API token that submitted the proposal; NULL for imports.';
COMMENT ON COLUMN projects.revision IS 'Stored version of the proposal, 1 on creation, +1 on every update; the ETag of the API.';

-- API tokens: only the SHA-256 of a token is kept; the token itself is shown
-- once when it is made.
CREATE TABLE api_tokens (
    name       text COLLATE "C" PRIMARY KEY CONSTRAINT api_tokens_name_check CHECK (name ~ '^[A-Za-z0-9._@-]{1,64}$'),
    role       text NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('submitter', 'committee', 'admin')),
    hash       bytea NOT NULL UNIQUE CONSTRAINT api_tokens_hash_check CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
COMMENT ON TABLE api_tokens IS 'Bearer tokens of the API: name, role (submitter, committee, admin), SHA-256 of the token; revoked tokens are kept for the audit trail.';

-- Idempotency keys: a retried POST with the same key returns the first answer.
CREATE TABLE idempotency_keys (
    actor       text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL CONSTRAINT idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 200),
    fingerprint text NOT NULL,
    project_id  text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);
COMMENT ON TABLE idempotency_keys IS 'Idempotency-Key of each create per actor, with the SHA-256 of the request body and the project it created.';

-- The audit trail: who did what, when, with the record before and after.
CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    role    text NOT NULL,
    action  text NOT NULL,
    target  text NOT NULL,
    before  jsonb,
    after   jsonb
);
CREATE INDEX audit_log_target_idx ON audit_log (target);
COMMENT ON TABLE audit_log IS 'Every write through the API and every token change: actor (token name or cli), role, action, target, record before and after as JSON.';
