package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"rango/internal/testsite"
)

// instance is a rango server process.
type instance struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	out  bytes.Buffer
}

func (i *instance) Write(p []byte) (int, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.out.Write(p)
}

// Output returns what the process printed so far.
func (i *instance) Output() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.out.String()
}

// launch starts the binary as a server on dsn without waiting for it; it
// is killed when the test ends.
func launch(t *testing.T, bin, dsn string, env ...string) *instance {
	t.Helper()
	i := &instance{addr: freeAddr(t)}
	i.cmd = exec.Command(bin, "-addr", i.addr)
	i.cmd.Env = append(append(os.Environ(), "RANGO_DSN="+dsn, "RANGO_DB_WAIT=60"), env...)
	i.cmd.Stdout, i.cmd.Stderr = i, i
	if err := i.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = i.cmd.Process.Kill()
		_ = i.cmd.Wait()
		if t.Failed() {
			t.Logf("instance %s:\n%s", i.addr, i.Output())
		}
	})
	return i
}

// ready waits up to d for /readyz to answer 200; it fails as soon as the
// instance logs an error (start-up failures are logged, then it exits).
func (i *instance) ready(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(i.Output(), "level=ERROR") {
			return fmt.Errorf("instance %s failed:\n%s", i.addr, i.Output())
		}
		resp, err := http.Get("http://" + i.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("instance %s not ready after %s", i.addr, d)
}

// Several instances started at once on an empty database all come up, and
// the sample data is there once (issue 12: one of two always exited).
func TestConcurrentStartOnAnEmptyDatabase(t *testing.T) {
	bin := build(t)
	for round := range 2 {
		empty, err := testsite.NewDatabase("start")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = empty.Drop() })
		var instances []*instance
		for range 4 {
			instances = append(instances, launch(t, bin, empty.DSN))
		}
		var wg sync.WaitGroup
		for _, i := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := i.ready(60 * time.Second); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		store := openStoreOn(t, empty.DSN)
		var cats, pages, versions int64
		store.DB().Raw("SELECT COUNT(*) FROM categories").Scan(&cats)
		store.DB().Raw("SELECT COUNT(*) FROM pages").Scan(&pages)
		store.DB().Raw("SELECT COUNT(*) FROM rango_schema").Scan(&versions)
		if cats != 9 || pages != 8 || versions != 1 {
			t.Errorf("round %d: %d categories, %d pages, %d schema versions; want 9, 8 and 1", round, cats, pages, versions)
		}
	}
}

// rango -migrate prepares a database; instances with RANGO_MIGRATE=false
// wait for it without changing the schema, then serve.
func TestMigrateCommandAndInstancesThatWait(t *testing.T) {
	bin := build(t)
	empty, err := testsite.NewDatabase("migrate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = empty.Drop() })
	waiting := launch(t, bin, empty.DSN, "RANGO_MIGRATE=false")
	time.Sleep(1500 * time.Millisecond)
	store := openStoreOn(t, empty.DSN)
	var tables int64
	store.DB().Raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables)
	if tables != 0 {
		t.Errorf("an instance with RANGO_MIGRATE=false made %d tables", tables)
	}
	if out := waiting.Output(); !strings.Contains(out, "waiting for the schema") {
		t.Errorf("the waiting instance does not say what it waits for:\n%s", out)
	}

	cmd := exec.Command(bin, "-migrate")
	cmd.Env = append(os.Environ(), "RANGO_DSN="+empty.DSN, "RANGO_MIGRATE=false")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "schema up to date") {
		t.Fatalf("rango -migrate: %v\n%s", err, out)
	}
	if err := waiting.ready(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	n, err := store.CountCategories(t.Context())
	if err != nil || n != 9 {
		t.Errorf("after -migrate: %d categories, %v; want the 9 of the sample data", n, err)
	}

	t.Run("gives up with a message", func(t *testing.T) {
		other, err := testsite.NewDatabase("nomigrate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.Drop() })
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "RANGO_DSN="+other.DSN, "RANGO_MIGRATE=false", "RANGO_DB_WAIT=1")
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "rango -migrate") {
			t.Errorf("exit %d (%v), want 1 and a message naming rango -migrate:\n%s", code, err, out)
		}
	})
}
