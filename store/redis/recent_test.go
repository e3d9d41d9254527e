package redis

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/huduma-connect/huduma/flows"
	"github.com/huduma-connect/huduma/store/storetest"
)

// TestCloneCoversEveryReference: clone copies Screen.Options and relies on everything else
// in a Session being a value or a string. A slice, map or pointer added to Session (or to
// Screen, Option or Draft) would be shared between the kept copy and the caller's; this test
// names it, so that clone is extended before it can happen.
func TestCloneCoversEveryReference(t *testing.T) {
	copied := map[string]bool{"Session.Screen.Options": true}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		case reflect.Array:
			walk(path+"[]", typ.Elem())
		case reflect.Slice:
			if !copied[path] {
				t.Errorf("%s is a slice that clone does not copy", path)
			}
			walk(path+"[]", typ.Elem())
		case reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			t.Errorf("%s is a %s that clone would share between copies", path, typ.Kind())
		}
	}
	walk("Session", reflect.TypeOf(flows.Session{}))
}

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
	if kept := clone(&s); !reflect.DeepEqual(kept, &decoded) {
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
	for i := range 3 {
		s := &flows.Session{ID: fmt.Sprint(i)}
		r.saved(s, []byte(s.ID))
	}
	if len(r.m) != 2 {
		t.Fatalf("%d copies kept, want 2", len(r.m))
	}
	s := &flows.Session{ID: "2", Screen: flows.Screen{End: true}}
	r.saved(s, []byte("end"))
	if _, ok := r.m["2"]; ok {
		t.Fatal("an ended session's copy is kept")
	}
}

// Another replica (or an older release) saving the session is seen at once: the kept copy is
// used only when Redis holds exactly the bytes this process wrote.
func TestLoadSeesOtherReplicasSaves(t *testing.T) {
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
	if again, _ := a.Load(ctx, s.ID); again.Screen.Options[0].Label != "Book" {
		t.Fatal("a loaded copy's mutation reached the kept copy")
	}

	other := clone(s)
	other.State, other.Hops = "book_county", 2
	if err := b.Save(ctx, other, false); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Load(ctx, s.ID); err != nil || !reflect.DeepEqual(got, other) {
		t.Fatalf("Load after another replica's Save: %+v, %v", got, err)
	}
	if err := client.Set(ctx, prefix+"s:"+s.ID, `{"id":"ATUid_replicas","state":"written by hand"}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Load(ctx, s.ID); err != nil || got.State != "written by hand" {
		t.Fatalf("Load after a raw SET: %+v, %v", got, err)
	}
}
