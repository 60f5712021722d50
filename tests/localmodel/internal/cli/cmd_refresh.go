package cli

import (
	"fmt"
	"strings"
)

func refresh(c *cmdCtx, args []string) error {
	var path, ignored string
	c.fs.String(&path, "", "path")
	c.fs.String(&ignored, "", "channel")
	c.fs.StringList(new([]string), "resource")
	pos, err := c.fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: refresh APP [--path CHARM]")
	}
	if path != "" && (strings.Contains(path, "/") || strings.HasSuffix(path, ".charm")) {
		path = absIfExists(path)
	}
	return c.call("refresh", map[string]string{"App": pos[0], "Path": path}, nil)
}
