package fleet_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/fleet"
)

func TestCredentialsNeverPrintThePassword(t *testing.T) {
	c := fleet.Credentials{User: "root", Password: "hunter2-secret"}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("login", "creds", c)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "creds", c)
	outs := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", c),
		"%#v":  fmt.Sprintf("%#v", c),
		"%s":   fmt.Sprintf("%s", c),
		"slog": logged.String(),
	}
	for verb, out := range outs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s of Credentials = %q, leaks the password", verb, out)
		}
		if !strings.Contains(out, "root") {
			t.Errorf("%s of Credentials = %q, want the user", verb, out)
		}
	}
}

func TestErrorNamesAddressAndCommand(t *testing.T) {
	cause := errors.New("connection reset")
	err := error(&fleet.Error{Address: "127.0.0.1:4028", Command: "summary", Err: cause})
	if got, want := err.Error(), "127.0.0.1:4028: summary: connection reset"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(%v, cause) = false, want true", err)
	}
}
