package hooktools

func secretRevoke(c *inv) error {
	var id int
	var app, unit string
	c.relationFlag(&id)
	c.fs.String(&app, "", "app", "application")
	c.fs.String(&unit, "", "unit")
	uri, err := c.parseSecretID()
	if err != nil {
		return err
	}
	if !c.fs.IsSet("r") && !c.fs.IsSet("relation") {
		if _, inRel := c.ctx.HookRelation(); !inRel || app != "" || unit != "" {
			id = -1
		}
	}
	if id < 0 && app == "" && unit == "" {
		return usagef("specify either relation id, application, or unit")
	}
	return c.ctx.SecretRevoke(uri, id, app, unit)
}
