// Command cleanbench measures what deleting an expired session costs:
// Rango's `-clearsessions` on Rango's sessions table against Django's
// `manage.py clearsessions` on Django's own django_session table, with the
// same rows, on the same server, with no other load.
//
//	go run ./tools/cleanbench                           # 200,000 expired + 20,000 live, 3 rounds
//	go run ./tools/cleanbench -expired 500000 -rounds 1
//
// Django cannot be installed here (no PyPI), so its side is what Django 3.2
// does on MySQL: its migration's table (session_key VARCHAR(40) primary key,
// session_data LONGTEXT, expire_date DATETIME(6) with one index) and, for
// clearsessions, SessionStore.clear_expired(), which its ORM runs as one
// `DELETE FROM django_session WHERE expire_date < %s` in autocommit. Rango's
// side is the real command: cleanbench builds rango and runs
// `rango -clearsessions` against the database, timing the whole process.
// Each round fills both tables afresh, waits until InnoDB has written the
// fill out, and runs the two in alternating order.
package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/gob"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for database/sql

	"rango/internal/benchsetup"
	"rango/web"
)

// options are the command line's.
type options struct {
	server        string
	expired, live int
	rounds        int
	keep          bool
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "root@tcp(127.0.0.1:3306)/", "MariaDB or MySQL server (a DSN without database)")
	flag.IntVar(&o.expired, "expired", 200000, "expired sessions in each table")
	flag.IntVar(&o.live, "live", 20000, "live sessions in each table")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds, each filling both tables afresh")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	bench, err := benchsetup.NewDatabase(o.server, "rango_cleanbench")
	if err != nil {
		return err
	}
	defer bench.Close(o.keep)
	dbName, dsn := bench.Name, bench.DSN
	bin, err := benchsetup.Build()
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(bin))
	if out, err := rango(bin, dsn, "-migrate"); err != nil {
		return fmt.Errorf("rango -migrate: %v\n%s", err, out)
	}
	db, err := sql.Open("mysql", dsn+"?interpolateParams=true")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(djangoTable); err != nil {
		return fmt.Errorf("create django_session: %w", err)
	}
	if _, err := db.Exec(djangoIndex); err != nil {
		return fmt.Errorf("index django_session: %w", err)
	}
	fmt.Printf("database %s: %d expired and %d live sessions in each table, %d rounds\n", dbName, o.expired, o.live, o.rounds)
	var djangoTotal, rangoTotal time.Duration
	for round := 1; round <= o.rounds; round++ {
		if err := fill(db, o.expired, o.live); err != nil {
			return err
		}
		if err := settle(db); err != nil {
			return err
		}
		var d, r time.Duration
		var out string
		if round%2 == 1 {
			if d, err = djangoClear(db, o.expired); err == nil {
				r, out, err = rangoClear(bin, dsn, db, o.expired)
			}
		} else {
			if r, out, err = rangoClear(bin, dsn, db, o.expired); err == nil {
				d, err = djangoClear(db, o.expired)
			}
		}
		if err != nil {
			return err
		}
		djangoTotal += d
		rangoTotal += r
		fmt.Printf("round %d: Django %s (%.1f µs/row), Rango %s (%.1f µs/row): %s\n", round,
			d.Round(time.Millisecond), perRow(d, o.expired), r.Round(time.Millisecond), perRow(r, o.expired), strings.TrimSpace(out))
	}
	n := o.expired * o.rounds
	fmt.Printf("overall: Django %.1f µs/row, Rango %.1f µs/row (%.2fx Django's)\n",
		perRow(djangoTotal, n), perRow(rangoTotal, n), float64(rangoTotal)/float64(djangoTotal))
	return nil
}

// djangoTable and djangoIndex are what Django 3.2's sessions migration
// creates on MySQL (`manage.py sqlmigrate sessions 0001`).
const (
	djangoTable = "CREATE TABLE `django_session` (`session_key` varchar(40) NOT NULL PRIMARY KEY, " +
		"`session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL)"
	djangoIndex = "CREATE INDEX `django_session_expire_date_a5c62663` ON `django_session` (`expire_date`)"
)

// perRow is d per row, in microseconds.
func perRow(d time.Duration, rows int) float64 {
	return float64(d.Microseconds()) / float64(rows)
}

// djangoClear runs what Django's clearsessions runs, and checks that it
// deleted the expired rows.
func djangoClear(db *sql.DB, want int) (time.Duration, error) {
	start := time.Now()
	res, err := db.Exec("DELETE FROM `django_session` WHERE `django_session`.`expire_date` < ?", time.Now().UTC().Format("2006-01-02 15:04:05.000000"))
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("django clearsessions: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(want) {
		return 0, fmt.Errorf("django clearsessions deleted %d rows, not %d", n, want)
	}
	return took, nil
}

// rangoClear runs `rango -clearsessions`, and checks that it deleted the
// expired rows and only those.
func rangoClear(bin, dsn string, db *sql.DB, want int) (time.Duration, string, error) {
	var before int
	if err := db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&before); err != nil {
		return 0, "", err
	}
	start := time.Now()
	out, err := rango(bin, dsn, "-clearsessions")
	took := time.Since(start)
	if err != nil {
		return 0, "", fmt.Errorf("rango -clearsessions: %v\n%s", err, out)
	}
	var after int
	if err := db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&after); err != nil {
		return 0, "", err
	}
	if before-after != want {
		return 0, "", fmt.Errorf("rango -clearsessions deleted %d rows, not %d:\n%s", before-after, want, out)
	}
	return took, strings.ReplaceAll(out, "\n", "; "), nil
}

// rango runs the rango binary with args against dsn, returning its output.
func rango(bin, dsn string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RANGO_DSN="+dsn)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// fill empties both tables and adds the same sessions to each: expired
// ones (their expiry spread over the past day) and live ones (expiring
// within two weeks), each with the key its site would have given it when
// it was made (Rango's begins with that time, Django's is random). A Rango
// row carries what the site stores (a logged-in session's data for half
// of them, an address, a user agent, its times); a Django row, the same
// data as Django encodes it.
func fill(db *sql.DB, expired, live int) error {
	for _, q := range []string{"DELETE FROM sessions", "DELETE FROM django_session"} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("empty the tables: %w", err)
		}
	}
	now := time.Now()
	const batch = 1000
	total := expired + live
	for done := 0; done < total; done += batch {
		var rq, dq strings.Builder
		rq.WriteString("INSERT INTO sessions (k, v, e, user_id, ip, user_agent, created_at, last_seen) VALUES ")
		dq.WriteString("INSERT INTO django_session (session_key, session_data, expire_date) VALUES ")
		var rargs, dargs []any
		for j := done; j < min(done+batch, total); j++ {
			if j > done {
				rq.WriteByte(',')
				dq.WriteByte(',')
			}
			rq.WriteString("(?,?,?,?,?,?,?,?)")
			dq.WriteString("(?,?,?)")
			e := now.Add(14*24*time.Hour - time.Duration(j%86400)*time.Second)
			if j < expired {
				e = now.Add(-time.Second - time.Duration(j%86400)*time.Second)
			}
			var user any
			if j%2 == 0 {
				user = 1 + j%10000
			}
			created := e.Add(-14 * 24 * time.Hour).Unix()
			key := randomKey(32)
			rargs = append(rargs, web.SessionKeyAt(time.Unix(created, int64(j%1000)*1e6)), sessionData(j), e.Unix(), user, fmt.Sprintf("10.%d.%d.%d", j>>16&255, j>>8&255, j&255),
				"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", created, created+int64(j%3600))
			dargs = append(dargs, strings.ToLower(strings.NewReplacer("-", "a", "_", "b").Replace(key[:32])),
				djangoData(j), e.UTC().Format("2006-01-02 15:04:05.000000"))
		}
		if _, err := db.Exec(rq.String(), rargs...); err != nil {
			return fmt.Errorf("fill sessions: %w", err)
		}
		if _, err := db.Exec(dq.String(), dargs...); err != nil {
			return fmt.Errorf("fill django_session: %w", err)
		}
	}
	return nil
}

// settle waits until InnoDB has written out the pages the fill dirtied
// and purged what the previous round deleted, so that neither side pays
// for the fill.
func settle(db *sql.DB) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var name string
		var dirty, history int64
		if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'").Scan(&name, &dirty); err != nil {
			return fmt.Errorf("dirty pages: %w", err)
		}
		if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'").Scan(&name, &history); err != nil {
			return fmt.Errorf("history list: %w", err)
		}
		if dirty < 100 && history < 1000 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return nil
}

// randomKey returns n random bytes in URL-safe base64.
func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionData is a Rango session's data as the site stores it: a gob map
// with the visit counter, logged in for even j.
func sessionData(j int) []byte {
	m := map[string]any{"visits": int64(3), "last_visit": time.Now().UTC().Format(time.RFC3339)}
	if j%2 == 0 {
		m["_auth_user_id"] = uint64(1 + j%10000)
		m["_auth_username"] = fmt.Sprintf("user%d", 1+j%10000)
		m["_auth_is_staff"] = false
	}
	var buf bytes.Buffer
	_ = gob.NewEncoder(&buf).Encode(&m)
	return buf.Bytes()
}

// djangoData is the same data as Django's session backend stores it:
// signed JSON in base64 (Django 3.1+ format), logged in for even j.
func djangoData(j int) string {
	json := fmt.Sprintf(`{"visits":3,"last_visit":"%s"}`, time.Now().UTC().Format(time.RFC3339))
	if j%2 == 0 {
		json = fmt.Sprintf(`{"visits":3,"last_visit":"%s","_auth_user_id":"%d","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"%s"}`,
			time.Now().UTC().Format(time.RFC3339), 1+j%10000, randomKey(30))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(json)) + ":1" + randomKey(4) + ":" + randomKey(32)
}
