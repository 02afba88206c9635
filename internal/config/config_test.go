package config

import (
	"errors"
	"flag"
	"io"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseServe(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantDB  string
		wantDir string
		wantErr bool
	}{
		{name: "defaults", args: nil},
		{name: "db flag", args: []string{"--db", "postgres://x"}, wantDB: "postgres://x"},
		{name: "db from env", env: map[string]string{"DATABASE_URL": "postgres://e"}, wantDB: "postgres://e"},
		{name: "data dir wins over env", args: []string{"--data", "d"}, env: map[string]string{"DATABASE_URL": "postgres://e"}, wantDir: "d"},
		{name: "both flags", args: []string{"--db", "x", "--data", "d"}, wantErr: true},
		{name: "bad addr", args: []string{"--addr", "nonsense"}, wantErr: true},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseServe(tt.args, env(tt.env), io.Discard, 7)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.DatabaseURL != tt.wantDB || got.DataDir != tt.wantDir || got.Addr != DefaultAddr && len(tt.args) == 0 || got.Seed != 7 {
				t.Errorf("got %+v", got)
			}
		})
	}
	if _, err := ParseServe([]string{"-h"}, env(nil), io.Discard, 1); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
}

func TestDatabaseURL(t *testing.T) {
	if _, err := DatabaseURL("", env(nil), "migrate"); err == nil {
		t.Error("want an error without flag and env")
	}
	if got, _ := DatabaseURL("", env(map[string]string{"DATABASE_URL": "u"}), "migrate"); got != "u" {
		t.Errorf("got %q, want u", got)
	}
	if got, _ := DatabaseURL("f", env(map[string]string{"DATABASE_URL": "u"}), "migrate"); got != "f" {
		t.Errorf("got %q, want f", got)
	}
}
