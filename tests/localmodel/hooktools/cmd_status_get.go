package hooktools

import "fmt"

func statusDetails(st Status, includeData bool) map[string]any {
	d := map[string]any{"status": st.Status}
	if includeData {
		data := map[string]any{}
		for k, v := range st.Data {
			data[k] = v
		}
		d["status-data"] = data
		d["message"] = st.Message
	}
	return d
}

func statusGet(c *inv) error {
	var app, includeData bool
	c.formatFlags("smart", allFormats...)
	c.fs.Bool(&app, "application")
	c.fs.Bool(&includeData, "include-data")
	if _, err := c.parseAtMost(0); err != nil {
		return err
	}
	if app {
		st, units, err := c.ctx.AppStatus()
		if err != nil {
			return fmt.Errorf("finding application status: %w", err)
		}
		details := statusDetails(st, includeData)
		us := map[string]any{}
		for name, s := range units {
			us[name] = statusDetails(s, includeData)
		}
		details["units"] = us
		return c.write(map[string]any{"application-status": details})
	}
	st := c.ctx.UnitStatus()
	if !includeData && c.format == "smart" {
		return c.write(st.Status)
	}
	return c.write(statusDetails(st, includeData))
}
