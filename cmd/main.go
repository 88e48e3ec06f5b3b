// Package cmd wires badgw's commands: flags become options, options drive
// the input, correlate, report and tui packages.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/badgw/badgw/memlimit"
	"github.com/badgw/badgw/report"
)

// Exit codes, documented in README.md.
const (
	ExitOK         = 0 // analysed
	ExitInput      = 1 // some input could not be read; the rest was analysed and written
	ExitUsage      = 2 // bad flags or arguments
	ExitBurstFound = 3 // --fail-on-burst and at least one 502 burst
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// FlagError is a usage error: the command's usage is printed with it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

func flagErrorf(format string, a ...any) error {
	return &FlagError{Err: fmt.Errorf(format, a...)}
}

// Main runs badgw with the process's arguments and streams and returns the
// exit code. The signals that end a run are caught for the whole run, so
// it always finishes its exports and removes its temporary files.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGHUP ends a run too, except where a command (watch) takes it to
	// reload.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			if reload := onHangup.Load(); reload != nil {
				(*reload)()
			} else {
				stop()
			}
		}
	}()
	defer memlimit.Start()()
	defer startProfile()()
	return Execute(ctx, SystemStreams(), os.Args[1:])
}

// onHangup is what SIGHUP does while a command has set it.
var onHangup atomic.Pointer[func()]

// Execute runs the command line args and maps errors to exit codes.
func Execute(ctx context.Context, io *IOStreams, args []string) int {
	root := NewRootCmd(io)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.err != nil && ee.code != ExitBurstFound {
			fmt.Fprintln(io.ErrOut, "badgw:", report.CleanText(ee.err.Error()))
		}
		return ee.code
	case errors.As(err, &fe):
		fmt.Fprintf(io.ErrOut, "badgw: %s\nRun 'badgw --help' for usage.\n", report.CleanText(fe.Err.Error()))
		return ExitUsage
	default:
		fmt.Fprintln(io.ErrOut, "badgw:", report.CleanText(err.Error()))
		return ExitInput
	}
}
