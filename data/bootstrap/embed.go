package bootstrap

import _ "embed"

//go:embed saxony.layers
var defaultManifest string
