package ivr

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/huduma-connect/huduma/crm"
)

// Audio is the operator's table of recorded prompts: for a language and a catalogue key, the
// URL of a recording of that entry's text. Africa's Talking's text-to-speech is not known to
// speak Kiswahili, so Kiswahili prompts are played from recordings where the table has them
// (see Speaker for the fallback when it does not).
type Audio struct {
	urls map[crm.Lang]map[string]string
}

// NoAudio is an empty table: every prompt is spoken by text-to-speech.
func NoAudio() *Audio { return &Audio{urls: map[crm.Lang]map[string]string{}} }

// LoadAudioFile reads the table from a CSV file (see ReadAudio).
func LoadAudioFile(path string) (*Audio, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("voice audio table: %w", err)
	}
	defer f.Close()
	a, err := ReadAudio(f)
	if err != nil {
		return nil, fmt.Errorf("voice audio table %s: %w", path, err)
	}
	return a, nil
}

// ReadAudio reads CSV rows "lang,key,url" (a header row naming those columns is allowed):
// lang is en or sw, key a catalogue key (e.g. main.title, err.choice), url an absolute
// http(s) URL Africa's Talking can fetch. A malformed row is an error naming its line, so a
// typo stops the gateway at start-up rather than leaving a caller in silence. A UTF-8
// byte-order mark, as Excel writes at the start of a CSV file, is skipped.
func ReadAudio(r io.Reader) (*Audio, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	a := NoAudio()
	var errs []error
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		l, key, u := crm.Lang(strings.TrimSpace(rec[0])), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		if line == 1 && l == "lang" && key == "key" {
			continue
		}
		switch {
		case !l.Valid():
			errs = append(errs, fmt.Errorf("line %d: unknown language %q (want en or sw)", line, l))
		case key == "":
			errs = append(errs, fmt.Errorf("line %d: no key", line))
		case !absoluteHTTP(u):
			errs = append(errs, fmt.Errorf("line %d: %q is not an absolute http(s) URL", line, u))
		case a.urls[l][key] != "":
			errs = append(errs, fmt.Errorf("line %d: %s %s is listed twice", line, l, key))
		default:
			if a.urls[l] == nil {
				a.urls[l] = map[string]string{}
			}
			a.urls[l][key] = u
		}
	}
	return a, errors.Join(errs...)
}

// URL is the recording of key in l, or "".
func (a *Audio) URL(l crm.Lang, key string) string {
	if a == nil || key == "" {
		return ""
	}
	return a.urls[l][key]
}

// Unknown lists, sorted, the keys that have a recording in l but are not among keys (the
// prompts the menus play, PromptKeys): a typo in the table, or a key renamed since, whose
// recording no caller will ever hear. The gateway warns about them at start-up.
func (a *Audio) Unknown(l crm.Lang, keys []string) []string {
	if a == nil {
		return nil
	}
	var out []string
	for k := range a.urls[l] {
		if !slices.Contains(keys, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Missing lists, sorted, the keys that have no recording in l.
func (a *Audio) Missing(l crm.Lang, keys []string) []string {
	var out []string
	for _, k := range keys {
		if a.URL(l, k) == "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Len is the number of recordings in l.
func (a *Audio) Len(l crm.Lang) int {
	if a == nil {
		return 0
	}
	return len(a.urls[l])
}

// absoluteHTTP reports whether s is an absolute http(s) URL with a host.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
