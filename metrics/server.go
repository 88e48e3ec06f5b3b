package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthyWithin is how recent the last analysis step must be for
// /healthz: a live run publishes its state every fraction of a second
// even when the logs are quiet, so a few seconds without one means the
// analysis is stuck.
const healthyWithin = 10 * time.Second

// Handler serves /metrics (this exporter, and the process's own Go and
// process metrics), /healthz (the analysis is stepping) and /readyz (the
// inputs are open and analysed).
func (e *Exporter) Handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(e, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		at, _ := e.state()
		if !at.IsZero() && time.Since(at) > healthyWithin {
			http.Error(w, fmt.Sprintf("no analysis step for %s", time.Since(at).Round(time.Second)), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, ready := e.state(); !ready {
			http.Error(w, "not analysing yet (or stopping)", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// Server serves Handler on addr.
type Server struct {
	srv  *http.Server
	done chan error
	Addr net.Addr
}

// Listen binds addr now, so that a port in use is an error at start, and
// serves in the background.
func (e *Exporter) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{srv: &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 5 * time.Second}, done: make(chan error, 1), Addr: ln.Addr()}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving, letting scrapes under way finish for a second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
