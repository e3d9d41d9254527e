package flows_test

import (
	"reflect"
	"testing"

	"github.com/huduma-connect/huduma/flows"
)

// TestCloneCoversEveryReference: Clone copies Screen.Options and relies on everything else
// in a Session being a value or a string. A slice, map or pointer added to Session (or to
// Screen, Option or Draft) would be shared between a kept copy and the caller's; this
// test names it, so that Clone is extended before it can happen.
func TestCloneCoversEveryReference(t *testing.T) {
	copied := map[string]bool{"Session.Screen.Options": true}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				walk(path+"."+f.Name, f.Type)
			}
		case reflect.Array:
			walk(path+"[]", typ.Elem())
		case reflect.Slice:
			if !copied[path] {
				t.Errorf("%s is a slice that Clone does not copy", path)
			}
			walk(path+"[]", typ.Elem())
		case reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			t.Errorf("%s is a %s that Clone would share between copies", path, typ.Kind())
		}
	}
	walk("Session", reflect.TypeOf(flows.Session{}))
}

func TestCloneIsIndependent(t *testing.T) {
	s := &flows.Session{ID: "a", Screen: flows.Screen{Options: []flows.Option{{Label: "x", Value: "1"}}}}
	c := s.Clone()
	if !reflect.DeepEqual(s, c) {
		t.Fatalf("clone differs: %+v", c)
	}
	c.Screen.Options[0].Label = "y"
	c.Draft.County = "Kisumu"
	if s.Screen.Options[0].Label != "x" || s.Draft.County != "" {
		t.Fatalf("original changed through its clone: %+v", s)
	}
}
