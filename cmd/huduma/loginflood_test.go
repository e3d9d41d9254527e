package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/crm"
)

// BenchmarkHopsDuringLoginFlood measures what 16 logins running flat out (each a bcrypt check
// at the default cost, against a username never seen before, so no throttle refuses them
// first) take from the citizens' USSD hops, through a real gateway on loopback. Each sub-run
// reports hops/s and logins/s; compare "quiet" with the floods:
//
//	go test -run '^$' -bench HopsDuringLoginFlood -benchtime 20000x ./cmd/huduma/
//
// "pool" is the default (one check at a time, a tenth of one core), "pool25" a quarter of a
// core; "unbounded" lets all 16
// run at once at full speed, as before the pool.
func BenchmarkHopsDuringLoginFlood(b *testing.B) {
	for _, tc := range []struct {
		name  string
		flood int
		args  []string
	}{
		{"quiet", 0, nil},
		{"flood16/pool", 16, nil},
		{"flood16/pool25", 16, []string{"-password-share", "25"}},
		{"flood16/unbounded", 16, []string{"-password-checks", "16", "-password-share", "100"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			base, gw := startGatewayWith(b, append([]string{"-db", "sqlite:" + b.TempDir() + "/huduma.db", "-log-level", "error"}, tc.args...)...)
			ctx, stop := context.WithCancel(context.Background())
			var logins atomic.Int64
			var wg sync.WaitGroup
			for i := range tc.flood {
				wg.Go(func() {
					for n := 0; ctx.Err() == nil; n++ {
						_, _, err := gw.office.LoginFrom(ctx, fmt.Sprintf("guess-%d-%d", i, n), "not the password", "")
						if errors.Is(err, crm.ErrBadCredentials) { // a check that ran, not one given up
							logins.Add(1)
						}
					}
				})
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var session atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					form := url.Values{"sessionId": {fmt.Sprintf("flood-%d", session.Add(1))}, "serviceCode": {"*384*50#"},
						"phoneNumber": {"+254712000999"}, "networkCode": {"63902"}, "text": {""}}
					resp, err := client.Post(base+"/at/ussd", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
					if err != nil {
						b.Error(err)
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "CON ") {
						b.Errorf("hop: %d %q", resp.StatusCode, body)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			wg.Wait()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "hops/s")
			b.ReportMetric(float64(logins.Load())/elapsed.Seconds(), "logins/s")
		})
	}
}
