package alert

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/badgw/badgw/report"
)

// commandTimeout bounds one run of --on-burst.
const commandTimeout = 30 * time.Second

// Command runs a shell command for each notice, the burst's JSON line on
// its stdin and the notice in its environment: BADGW_EVENT (open, update,
// resolve), BADGW_ALERT_ID, BADGW_CHANGED and BADGW_STOPPED.
type Command struct {
	*queued
	command string
	out     io.Writer
}

// NewCommand returns a receiver running command through sh -c; its output
// goes to out.
func NewCommand(command string, out io.Writer, b Backoff, l Limit, errOut io.Writer) *Command {
	c := &Command{command: command, out: out}
	c.queued = newQueued("command", c.run, b, l, errOut)
	return c
}

func (c *Command) run(ctx context.Context, n Notice) error {
	var in bytes.Buffer
	if err := report.WriteBurstJSON(&in, n.Burst); err != nil {
		return permanent{err}
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", c.command)
	cmd.Stdin = &in
	cmd.Stdout, cmd.Stderr = c.out, c.out
	stopped := "0"
	if n.Stopped {
		stopped = "1"
	}
	changed := ""
	for i, s := range n.Changed {
		if i > 0 {
			changed += ","
		}
		changed += s
	}
	cmd.Env = append(os.Environ(), "BADGW_EVENT="+string(n.Kind), "BADGW_ALERT_ID="+n.ID(), "BADGW_CHANGED="+changed, "BADGW_STOPPED="+stopped)
	return cmd.Run()
}
