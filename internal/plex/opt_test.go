package plex

import (
	"encoding/json"
	"testing"
)

func TestOptStringDecode(t *testing.T) {
	cases := map[string]OptString{
		`"abc"`:             {V: "abc", Valid: true},
		`""`:                {V: "", Valid: true},
		`"a\"b\\c\n\u00e9"`: {V: "a\"b\\c\né", Valid: true},
		`"\ud83c\udfb5"`:    {V: "🎵", Valid: true},
		`123`:               {V: "123", Valid: true},
		`-1.5e3`:            {V: "-1.5e3", Valid: true},
		`true`:              {V: "true", Valid: true},
		`null`:              {},
		`{"a":1}`:           {},
		`[1,2]`:             {},
	}
	for in, want := range cases {
		var got struct{ X OptString }
		if err := json.Unmarshal([]byte(`{"X":`+in+`}`), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.X != want {
			t.Errorf("%s: got %+v, want %+v", in, got.X, want)
		}
	}
	var absent struct{ X OptString }
	if err := json.Unmarshal([]byte(`{}`), &absent); err != nil || absent.X.Valid {
		t.Errorf("absent field: %+v %v", absent.X, err)
	}
}

func TestOptStringInvalidUTF8MatchesStock(t *testing.T) {
	in := []byte("{\"X\":\"a\xffb\"}")
	var got struct{ X OptString }
	var want struct{ X string }
	if err := json.Unmarshal(in, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatal(err)
	}
	if got.X.V != want.X {
		t.Errorf("got %q, stock decodes %q", got.X.V, want.X)
	}
}

func TestOptIntDecode(t *testing.T) {
	cases := map[string]OptInt{
		`12`:                   {V: 12, Valid: true},
		`-12`:                  {V: -12, Valid: true},
		`0`:                    {V: 0, Valid: true},
		`12.0`:                 {V: 12, Valid: true},
		`12.9`:                 {V: 12, Valid: true},
		`1.7e9`:                {V: 1700000000, Valid: true},
		`"12"`:                 {V: 12, Valid: true},
		`" 12 "`:               {V: 12, Valid: true},
		`"12.5"`:               {V: 12, Valid: true},
		`""`:                   {},
		`"abc"`:                {},
		`null`:                 {},
		`true`:                 {V: 1, Valid: true},
		`false`:                {V: 0, Valid: true},
		`{}`:                   {},
		`[]`:                   {},
		`8457612157633039800`:  {V: 8457612157633039800, Valid: true},
		`9223372036854775807`:  {V: 9223372036854775807, Valid: true},
		`-9223372036854775808`: {V: -9223372036854775808, Valid: true},
		`9223372036854775808`:  {},
		`1e300`:                {},
	}
	for in, want := range cases {
		var got struct{ X OptInt }
		if err := json.Unmarshal([]byte(`{"X":`+in+`}`), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.X != want {
			t.Errorf("%s: got %+v, want %+v", in, got.X, want)
		}
	}
}

func TestOptFloatDecode(t *testing.T) {
	cases := map[string]OptFloat{
		`8`:     {V: 8, Valid: true},
		`8.5`:   {V: 8.5, Valid: true},
		`"8.5"`: {V: 8.5, Valid: true},
		`""`:    {},
		`null`:  {},
		`"NaN"`: {},
		`"x"`:   {},
	}
	for in, want := range cases {
		var got struct{ X OptFloat }
		if err := json.Unmarshal([]byte(`{"X":`+in+`}`), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.X != want {
			t.Errorf("%s: got %+v, want %+v", in, got.X, want)
		}
	}
}

func TestOptBoolDecode(t *testing.T) {
	cases := map[string]OptBool{
		`true`:    {V: true, Valid: true},
		`false`:   {V: false, Valid: true},
		`1`:       {V: true, Valid: true},
		`0`:       {V: false, Valid: true},
		`"1"`:     {V: true, Valid: true},
		`"0"`:     {V: false, Valid: true},
		`"true"`:  {V: true, Valid: true},
		`"False"`: {V: false, Valid: true},
		`""`:      {},
		`"maybe"`: {},
		`null`:    {},
		`[true]`:  {},
	}
	for in, want := range cases {
		var got struct{ X OptBool }
		if err := json.Unmarshal([]byte(`{"X":`+in+`}`), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.X != want {
			t.Errorf("%s: got %+v, want %+v", in, got.X, want)
		}
	}
}

func TestOptMarshalRoundTrip(t *testing.T) {
	type all struct {
		S OptString
		I OptInt
		F OptFloat
		B OptBool
	}
	for _, in := range []all{
		{},
		{S: OptString{V: "x\"y", Valid: true}, I: OptInt{V: -3, Valid: true}, F: OptFloat{V: 8.5, Valid: true}, B: OptBool{V: true, Valid: true}},
		{S: OptString{Valid: true}, I: OptInt{Valid: true}, F: OptFloat{Valid: true}, B: OptBool{Valid: true}},
	} {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out all
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if out != in {
			t.Errorf("round trip of %+v via %s gave %+v", in, b, out)
		}
	}
	if p := (OptInt{}).Ptr(); p != nil {
		t.Error("absent Ptr not nil")
	}
	if p := (OptString{V: "a", Valid: true}).Ptr(); p == nil || *p != "a" {
		t.Error("Ptr lost the value")
	}
}
