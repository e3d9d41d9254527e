package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// WriteText prints the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	load := fmt.Sprintf("%d phones (closed loop)", r.Phones)
	if r.Mode == "open" {
		load = fmt.Sprintf("%g new sessions/s (open loop)", r.Rate)
	}
	profile := r.Profile
	if r.Mix != "" {
		profile += " (" + r.Mix + ")"
	}
	fmt.Fprintf(&b, "profile %s → %s, %s, %.1f s measured\n", profile, r.Target, load, r.Seconds)
	fmt.Fprintf(&b, "  hops        %d  (%.0f/s)\n", r.Hops, r.HopsPerS)
	fmt.Fprintf(&b, "  sessions    %d completed  (%.1f/s): %d bookings, %d complaints, %d status checks\n",
		r.Sessions, r.SessionsPerS, r.Bookings, r.Complaints, r.StatusChecks)
	fmt.Fprintf(&b, "  latency     p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (mean %.2f ms)\n",
		r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.P999, r.Latency.Max, r.Latency.Mean)
	fmt.Fprintf(&b, "  on time     %.2f%% of hops answered within %v\n", 100*r.OnTime, OnTime)
	if r.Shed > 0 {
		fmt.Fprintf(&b, "  busy        %d sessions answered busy (load shed by the gateway)\n", r.Shed)
	}
	t := r.Total
	fmt.Fprintf(&b, "  whole run   %d sessions started: %d completed, %d abandoned, %d failed, %d busy, %d cut off; %d bookings, %d complaints, %d status checks; %d hops\n",
		t.Started, t.Completed, t.Abandoned, t.Failed, t.Shed, t.Cancelled, t.Bookings, t.Complaints, t.StatusChecks, t.Hops)
	if len(r.Retries) > 0 {
		keys := make([]string, 0, len(r.Retries))
		for k := range r.Retries {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s ×%d", k, r.Retries[k])
		}
		fmt.Fprintf(&b, "  chose again %s (expected under load)\n", strings.Join(parts, ", "))
	}
	if r.Errors == 0 {
		b.WriteString("  errors      none\n")
	} else {
		fmt.Fprintf(&b, "  ERRORS      %d unexpected answers\n", r.Errors)
		for _, e := range r.ErrorKinds {
			fmt.Fprintf(&b, "    %6d  %s at %s\n", e.Count, e.Kind, e.Where)
			for _, s := range e.Samples {
				fmt.Fprintf(&b, "            e.g. %s\n", s)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// redactKey hides a callback key in a URL that is printed.
func redactKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	if q.Has("key") {
		q.Set("key", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
