-- Provenance of downloaded sources: the URL and SHA-256 of every file that
-- reach bootstrap fetched and imported into a layer.
CREATE TABLE layer_sources (
    layer      text COLLATE "C" NOT NULL,
    url        text NOT NULL CONSTRAINT layer_sources_url_check CHECK (url ~ '^https?://'),
    sha256     text NOT NULL CONSTRAINT layer_sources_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (layer, url)
);
COMMENT ON TABLE layer_sources IS 'Provenance: URL and SHA-256 of each downloaded file imported into a layer by reach bootstrap; results name them in their data_versions.';
