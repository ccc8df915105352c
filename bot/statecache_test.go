package bot

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStateCacheTakeOnlyTheSameBytes(t *testing.T) {
	var c stateCache
	st := &State{Lesson: "a"}
	c.put("k", []byte(`{"lesson":"a"}`), st)

	if got := c.take("k", []byte(`{"lesson":"b"}`)); got != nil {
		t.Fatalf("take with other bytes = %+v, want nil", got)
	}
	if n, _ := c.len(); n != 0 {
		t.Fatalf("a miss left %d entries; a stale entry must go", n)
	}

	c.put("k", []byte(`{"lesson":"a"}`), st)
	if got := c.take("other", []byte(`{"lesson":"a"}`)); got != nil {
		t.Fatal("another learner's key took the state")
	}
	if got := c.take("k", nil); got != nil {
		t.Fatal("a missing record (a new or erased learner) took the state")
	}
	c.put("k", []byte(`{"lesson":"a"}`), st)
	if got := c.take("k", []byte(`{"lesson":"a"}`)); got != st {
		t.Fatalf("take = %p, want the state put (%p)", got, st)
	}
	if got := c.take("k", []byte(`{"lesson":"a"}`)); got != nil {
		t.Fatal("the state was handed out twice: it has one owner at a time")
	}
}

func TestStateCacheBounds(t *testing.T) {
	var c stateCache
	raw := bytes.Repeat([]byte("x"), 100)
	for i := range maxCachedStates + 10 {
		c.put(fmt.Sprint(i), raw, &State{})
	}
	if n, size := c.len(); n != maxCachedStates || size != maxCachedStates*len(raw) {
		t.Errorf("after %d puts: %d entries, %d bytes; want %d entries", maxCachedStates+10, n, size, maxCachedStates)
	}

	c = stateCache{}
	big := bytes.Repeat([]byte("x"), maxCachedStateBytes/64)
	for i := range 100 {
		c.put(fmt.Sprint(i), big, &State{})
	}
	if _, size := c.len(); size > maxCachedStateBytes {
		t.Errorf("%d bytes held, more than %d", size, maxCachedStateBytes)
	}
	c.put("huge", append(big, 'x'), &State{})
	if c.take("huge", append(big, 'x')) != nil {
		t.Error("a record over the per-entry bound was kept")
	}

	c.put("0", raw, &State{})
	c.put("0", raw, &State{})
	if n, size := c.len(); size > maxCachedStateBytes || n > maxCachedStates {
		t.Errorf("putting a key twice: %d entries, %d bytes", n, size)
	}
}

// TestStateIsAllInItsRecord guards what makes a kept state as good as a
// decoded one: everything in a State is in its JSON record. A field the
// record leaves out (unexported, or tagged "-") could differ between the
// state a turn keeps and the one decoded from the same bytes.
func TestStateIsAllInItsRecord(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(tp reflect.Type, path string)
	walk = func(tp reflect.Type, path string) {
		switch tp.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(tp.Elem(), path+"[]")
		case reflect.Map:
			walk(tp.Key(), path+"{key}")
			walk(tp.Elem(), path+"{}")
		case reflect.Struct:
			if seen[tp] || tp == reflect.TypeFor[time.Time]() {
				return
			}
			seen[tp] = true
			for f := range tp.Fields() {
				if !f.IsExported() || strings.Split(f.Tag.Get("json"), ",")[0] == "-" {
					t.Errorf("%s.%s (%s) is not in the JSON record", path, f.Name, tp)
				}
				walk(f.Type, path+"."+f.Name)
			}
		case reflect.Interface, reflect.Func, reflect.Chan:
			t.Errorf("%s: a %s cannot be in the record", path, tp.Kind())
		}
	}
	walk(reflect.TypeFor[State](), "State")
	if len(seen) < 5 {
		t.Fatalf("walked only %d struct types", len(seen))
	}
}
