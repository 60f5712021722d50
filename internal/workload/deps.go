package workload

import (
	_ "github.com/canonical/pebble/client"
	_ "github.com/stretchr/testify/require"
	_ "gopkg.in/yaml.v3"
)
