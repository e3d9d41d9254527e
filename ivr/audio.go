package ivr

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
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
//
// Each row may carry the hash of the text the recording was made from (TextHash), so that a
// recording whose catalogue text changed since is found (Stale) and not played: a recorded
// menu that still offers the old choices on the old keys would send callers the wrong way.
type Audio struct {
	urls map[crm.Lang]map[string]string
	// hashes holds, per language and key, the text hash the table gives ("" when none).
	hashes map[crm.Lang]map[string]string
}

// NoAudio is an empty table: every prompt is spoken by text-to-speech.
func NoAudio() *Audio {
	return &Audio{urls: map[crm.Lang]map[string]string{}, hashes: map[crm.Lang]map[string]string{}}
}

// TextHash is the hash of a recording's text as the table's fourth column holds it: the hex
// SHA-256 of the text (a prefix of it, 8 characters or more, is accepted in the table).
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// minHashLen is the shortest prefix of a TextHash the table accepts.
const minHashLen = 8

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

// ReadAudio reads CSV rows "lang,key,url[,text_sha256]" (a header row naming those columns
// is allowed): lang is en or sw, key a catalogue key (e.g. main.title, err.choice), url an
// absolute http(s) URL Africa's Talking can fetch, and text_sha256 the TextHash of the words
// recorded (see Script; empty or absent: not known, and the recording is played unchecked).
// A malformed row is an error naming its line, so a typo stops the gateway at start-up rather
// than leaving a caller in silence. A UTF-8 byte-order mark, as Excel writes at the start of
// a CSV file, is skipped.
func ReadAudio(r io.Reader) (*Audio, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
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
		if len(rec) != 3 && len(rec) != 4 {
			errs = append(errs, fmt.Errorf("line %d: %d fields, want lang,key,url[,text_sha256]", line, len(rec)))
			continue
		}
		l, key, u := crm.Lang(strings.TrimSpace(rec[0])), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		if line == 1 && l == "lang" && key == "key" {
			continue
		}
		hash := ""
		if len(rec) == 4 {
			hash = strings.ToLower(strings.TrimSpace(rec[3]))
		}
		switch {
		case hash != "" && (len(hash) < minHashLen || len(hash) > 2*sha256.Size || strings.Trim(hash, "0123456789abcdef") != ""):
			errs = append(errs, fmt.Errorf("line %d: %q is not a text hash (hex SHA-256, at least %d characters)", line, hash, minHashLen))
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
			if a.hashes[l] == nil {
				a.hashes[l] = map[string]string{}
			}
			a.hashes[l][key] = hash
		}
	}
	return a, errors.Join(errs...)
}

// staleBy lists, sorted, the recordings ("sw:main.title") that no longer say their text: the
// table's hash differs from the hash of script(l, key), the words the recording must say
// now, or the key has no text any more (ok false). Recordings without a hash are not listed
// (see Unverified).
func (a *Audio) staleBy(script func(l crm.Lang, key string) (text string, ok bool)) []string {
	var out []string
	for l, keys := range a.hashes {
		for key, hash := range keys {
			if hash == "" {
				continue
			}
			text, ok := script(l, key)
			if !ok || !strings.HasPrefix(TextHash(text), hash) {
				out = append(out, string(l)+":"+key)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Unverified lists, sorted, the recordings ("sw:main.title") the table gives no text hash
// for: nothing tells whether they still say their text.
func (a *Audio) Unverified() []string {
	var out []string
	for l, keys := range a.hashes {
		for key, hash := range keys {
			if hash == "" {
				out = append(out, string(l)+":"+key)
			}
		}
	}
	sort.Strings(out)
	return out
}

// without is a copy of the table without the recordings named ("sw:main.title").
func (a *Audio) without(names []string) *Audio {
	out := NoAudio()
	for l, keys := range a.urls {
		out.urls[l], out.hashes[l] = map[string]string{}, map[string]string{}
		for k, u := range keys {
			out.urls[l][k], out.hashes[l][k] = u, a.hashes[l][k]
		}
	}
	for _, n := range names {
		l, k, _ := strings.Cut(n, ":")
		delete(out.urls[crm.Lang(l)], k)
		delete(out.hashes[crm.Lang(l)], k)
	}
	return out
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
