// Command badgw explains nginx 502 Bad Gateway bursts from access and error
// logs. See README.md.
package main

import (
	"os"

	"github.com/badgw/badgw/cmd"
)

func main() { os.Exit(cmd.Main()) }
