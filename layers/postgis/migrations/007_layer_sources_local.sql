-- Provenance also of the files a manifest names by local path (file://) and
-- of the tables reach ships itself (embedded:lep2013).
ALTER TABLE layer_sources DROP CONSTRAINT layer_sources_url_check;
ALTER TABLE layer_sources ADD CONSTRAINT layer_sources_url_check CHECK (url ~ '^(https?|file)://' OR url ~ '^embedded:[a-z0-9]+$');
COMMENT ON TABLE layer_sources IS 'Provenance: URL (http(s), file:// or embedded:) and SHA-256 of each file imported into a layer by reach bootstrap; results name them in their data_versions.';
