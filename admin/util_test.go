package admin_test

import (
	"bytes"
	"encoding/gob"
	"testing"
)

func gobMap(t *testing.T, m map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
