package redis

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/store/storetest"
)

// TestKeptCopyIsWhatTheBytesDecodeTo: Load hands out the kept copy instead of decoding, so
// the copy must equal what decoding would give, for every field flows has. A field the
// encoding drops (json:"-") or changes would make the two differ; this test fills every field
// and finds it.
func TestKeptCopyIsWhatTheBytesDecodeTo(t *testing.T) {
	var s flows.Session
	fill(reflect.ValueOf(&s).Elem(), 0)
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var decoded flows.Session
	if err := decoded.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	decoded.Rev = s.Rev // kept beside the encoding, in the session's hash
	if kept := s.Clone(); !reflect.DeepEqual(kept, &decoded) {
		t.Fatalf("kept copy %+v\ndecodes as %+v", kept, decoded)
	}
}

// fill sets every field to a value that is not its zero value.
func fill(v reflect.Value, n int) int {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			n = fill(v.Field(i), n)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			n = fill(v.Index(i), n)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d é\n*", n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n + 1))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	}
	return n + 1
}

func TestRecentIsBounded(t *testing.T) {
	r := newRecent(2)
	later := time.Now().Add(time.Minute)
	for i := range 3 {
		r.saved(&flows.Session{ID: fmt.Sprint(i)}, later)
	}
	if len(r.m) != 2 {
		t.Fatalf("%d copies kept, want 2", len(r.m))
	}
	r.saved(&flows.Session{ID: "2", Screen: flows.Screen{End: true}}, later)
	if _, ok := r.m["2"]; ok {
		t.Fatal("an ended session's copy is kept")
	}
}

func TestRecentForgetsWhenTheKeyExpires(t *testing.T) {
	r := newRecent(2)
	r.saved(&flows.Session{ID: "1"}, time.Now().Add(-time.Millisecond)) // the key has expired
	if _, ok := r.load("1"); ok {
		t.Fatal("a copy of a session Redis has forgotten was used")
	}
}

// Two replicas on one Redis: each answers Load from its own copy, but neither can write over
// a save it has not seen. The one whose copy is stale is refused, and then reads Redis.
func TestReplicasNeverOverwriteEachOther(t *testing.T) {
	ctx := storetest.Context(t)
	client := connect(t)
	prefix := uniquePrefix(t, client)
	a := New(client, Options{Prefix: prefix})
	b := New(client, Options{Prefix: prefix})
	s := &flows.Session{ID: "ATUid_replicas", Phone: "+254700000001", State: "main", Hops: 1,
		Screen: flows.Screen{Text: "Menu", Options: []flows.Option{{Label: "Book", Value: "book"}}}}
	if err := a.Save(ctx, s, false); err != nil {
		t.Fatal(err)
	}
	got, err := a.Load(ctx, s.ID)
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("Load after own Save: %+v, %v", got, err)
	}
	got.Screen.Options[0].Label = "mutated"
	if again, err := a.Load(ctx, s.ID); err != nil || again.Screen.Options[0].Label != "Book" {
		t.Fatalf("a loaded copy's mutation reached the kept copy (%v)", err)
	}

	// b has no copy: it reads Redis, and saves the next hop.
	other, err := b.Load(ctx, s.ID)
	if err != nil || !reflect.DeepEqual(other, s) {
		t.Fatalf("b loads %+v, %v; want what a saved", other, err)
	}
	other.State, other.Hops = "book_county", 2
	if err := b.Save(ctx, other, false); err != nil {
		t.Fatal(err)
	}

	// a's copy is now stale: its save is refused and writes nothing.
	stale, err := a.Load(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale.State, stale.Hops = "written over", 2
	if err := a.Save(ctx, stale, false); !errors.Is(err, flows.ErrStaleSession) {
		t.Fatalf("save from a stale copy: %v, want ErrStaleSession", err)
	}
	fresh, err := a.Load(ctx, s.ID)
	if err != nil || !reflect.DeepEqual(fresh, other) {
		t.Fatalf("Load after the refused save: %+v, %v; want b's save %+v", fresh, err, other)
	}
	fresh.Hops = 3
	if err := a.Save(ctx, fresh, false); err != nil {
		t.Fatalf("save after reloading: %v", err)
	}
}
