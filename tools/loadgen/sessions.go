package main

import (
	"bytes"
	"database/sql"
	"encoding/gob"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"rango/web"
)

const (
	fillUsers     = 10000
	staffName     = "benchstaff"
	staffPassword = "benchmark password"
	// benchHash is a bcrypt hash, shared by the generated users.
	benchHash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX0Z5rQhU2vIxFQYx1V6Z.6H7Gm"
)

// sessionValue is a typical session's data: a counted visit, logged in.
func sessionValue(user int) []byte {
	m := map[string]any{"visits": int64(3), "last_visit": time.Now().UTC().Format(time.RFC3339)}
	if user > 0 {
		m["_auth_user_id"] = uint64(user)
		m["_auth_username"] = fmt.Sprintf("user%d", user)
		m["_auth_is_staff"] = false
	}
	var buf bytes.Buffer
	_ = gob.NewEncoder(&buf).Encode(&m)
	return buf.Bytes()
}

// insertSessions adds n sessions in multi-row INSERTs; expiredShare of
// them already expired, half of them logged in as one of the users.
func insertSessions(db *sql.DB, n int, expiredShare float64, users int) error {
	now := time.Now().Unix()
	const batch = 1000
	for done := 0; done < n; {
		size := min(batch, n-done)
		var sb strings.Builder
		args := make([]any, 0, size*8)
		sb.WriteString("INSERT INTO sessions (k, v, e, user_id, ip, user_agent, created_at, last_seen) VALUES ")
		for i := 0; i < size; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?,?,?,?,?)")
			j := done + i
			var user any
			uid := 0
			if users > 0 && j%2 == 0 {
				uid = 1 + j%users
				user = uid
			}
			created := now - int64(j%(30*86400))
			e := now + 1209600 - int64(j%86400)
			if float64(j%100) < expiredShare*100 {
				e = now - 1 - int64(j%86400)
			}
			args = append(args, web.SessionKeyAt(time.Unix(created, int64(j%1000)*1e6)), sessionValue(uid), e, user, fmt.Sprintf("10.%d.%d.%d", j>>16&255, j>>8&255, j&255),
				"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", created, created+int64(j%3600))
		}
		if err := execRetry(db, sb.String(), args...); err != nil {
			return fmt.Errorf("insert sessions: %w", err)
		}
		done += size
		if done%100000 == 0 {
			fmt.Printf("  %d sessions\n", done)
		}
	}
	return nil
}

func insertUsers(db *sql.DB, n int) error {
	for done := 0; done < n; {
		size := min(1000, n-done)
		var sb strings.Builder
		args := make([]any, 0, size*2)
		sb.WriteString("INSERT INTO users (username, email, password_hash, is_staff, website, joined) VALUES ")
		for i := 0; i < size; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?, '', ?, 0, '', NOW())")
			args = append(args, fmt.Sprintf("user%d", done+i+1), benchHash)
		}
		if _, err := db.Exec(sb.String(), args...); err != nil {
			return fmt.Errorf("insert users: %w", err)
		}
		done += size
	}
	return nil
}

// execRetry runs a statement, again after a deadlock with the server's
// session sweeper.
func execRetry(db *sql.DB, q string, args ...any) error {
	var err error
	for attempt := 1; attempt <= 20; attempt++ {
		if _, err = db.Exec(q, args...); err == nil || !strings.Contains(err.Error(), "1213") {
			return err
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	return err
}

// staffClient logs in as a staff user made with -createadmin.
func staffClient(bin, dsn, base string) (*http.Client, error) {
	cmd := exec.Command(bin, "-createadmin", staffName)
	cmd.Env = append(os.Environ(), "RANGO_DSN="+dsn, "RANGO_ADMIN_PASSWORD="+staffPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("createadmin: %v: %s", err, out)
	}
	jar, _ := cookiejar.New(nil)
	b := &browser{base: base, client: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.get("/login", nil)
	if !b.post("/login", url.Values{"username": {staffName}, "password": {staffPassword}}) {
		return nil, fmt.Errorf("staff login failed")
	}
	return b.client, nil
}

// timeGet returns the median of five fetches of path.
func timeGet(c *http.Client, base, path string) (time.Duration, int, error) {
	var times []time.Duration
	status := 0
	for i := 0; i < 5; i++ {
		start := time.Now()
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, 0, err
		}
		_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[2], status, nil
}

func fillAndTimeAdmin(o options, s *server, db *sql.DB, bin, dsn string) error {
	before := load(o, s, db, 10*time.Second)
	fmt.Printf("before filling: returning-visitor load %.0f req/s, p99 %s\n", before.rate(), before.percentile(0.99).Round(10*time.Microsecond))
	fmt.Printf("filling: %d users, %d sessions\n", fillUsers, o.fill)
	start := time.Now()
	if err := insertUsers(db, fillUsers); err != nil {
		return err
	}
	if err := insertSessions(db, o.fill, 0.3, fillUsers); err != nil {
		return err
	}
	if _, err := db.Exec("ANALYZE TABLE sessions"); err != nil {
		return err
	}
	fmt.Printf("filled in %s\n", time.Since(start).Round(time.Second))
	c, err := staffClient(bin, dsn, s.base)
	if err != nil {
		return err
	}
	var seen int64
	var hash string
	if err := db.QueryRow("SELECT last_seen, kh FROM sessions ORDER BY last_seen DESC, kh DESC LIMIT 1 OFFSET 49949").Scan(&seen, &hash); err != nil {
		return err
	}
	var expiry int64
	var expiryHash string
	if err := db.QueryRow("SELECT e, kh FROM sessions ORDER BY e, kh LIMIT 1 OFFSET 49949").Scan(&expiry, &expiryHash); err != nil {
		return err
	}
	day := time.Now().UTC().AddDate(0, 0, -5).Format("2006-01-02")
	pages := []struct{ name, path string }{
		{"/admin/sessions, first page", "/admin/sessions"},
		{"/admin/sessions, page 1,000 (keyset)", fmt.Sprintf("/admin/sessions?after=%d.%s&n=49951", seen, hash)},
		{"/admin/sessions?user=user4242", "/admin/sessions?user=user4242"},
		{"/admin/sessions?status=expired", "/admin/sessions?status=expired"},
		{"/admin/sessions?status=active&who=anonymous", "/admin/sessions?status=active&who=anonymous"},
		{"/admin/sessions?q=10.1.", "/admin/sessions?q=10.1."},
		{"/admin/sessions?q=user42 (name prefix)", "/admin/sessions?q=user42"},
		{"/admin/sessions?sort=expires", "/admin/sessions?sort=expires"},
		{"/admin/sessions?sort=expires, page 1,000", fmt.Sprintf("/admin/sessions?sort=expires&after=%d.%s&n=49951", expiry, expiryHash)},
		{"/admin/sessions?sort=created (no index)", "/admin/sessions?sort=created"},
		{"/admin/sessions?sort=size (no index)", "/admin/sessions?sort=size"},
		{"/admin/sessions?user=user4242&sort=size", "/admin/sessions?user=user4242&sort=size"},
		{"/admin/sessions?day=" + day + " (no index)", "/admin/sessions?day=" + day},
		{"/admin/ (dashboard)", "/admin/"},
	}
	fmt.Println("admin pages (median of 5, over loopback):")
	for _, p := range pages {
		d, status, err := timeGet(c, s.base, p.path)
		if err != nil {
			return err
		}
		fmt.Printf("  %-52s %8s  (HTTP %d)\n", p.name, d.Round(100*time.Microsecond), status)
	}
	// Let the dashboard's background count finish before measuring.
	time.Sleep(15 * time.Second)
	fmt.Println("with the dashboard's counts in memory (the list's total comes from them when far past 100,000):")
	for _, p := range []struct{ name, path string }{
		{"/admin/stats (the dashboard's 15 s refresh)", "/admin/stats"},
		{"/admin/sessions, first page", "/admin/sessions"},
		{"/admin/sessions?status=active", "/admin/sessions?status=active"},
		{"/admin/sessions?day=" + day, "/admin/sessions?day=" + day},
	} {
		d, status, err := timeGet(c, s.base, p.path)
		if err != nil {
			return err
		}
		fmt.Printf("  %-52s %8s  (HTTP %d)\n", p.name, d.Round(100*time.Microsecond), status)
	}
	after := load(o, s, db, 10*time.Second)
	fmt.Printf("after filling: returning-visitor load %.0f req/s, p99 %s\n", after.rate(), after.percentile(0.99).Round(10*time.Microsecond))
	return nil
}

func cleanupUnderLoad(o options, s *server, db *sql.DB, bin, dsn string) error {
	fmt.Printf("adding %d expired sessions\n", o.cleanup)
	if err := insertSessions(db, o.cleanup, 1.0, 0); err != nil {
		return err
	}
	if o.cleanupLive > 0 {
		fmt.Printf("adding %d live sessions\n", o.cleanupLive)
		if err := insertSessions(db, o.cleanupLive, 0, 0); err != nil {
			return err
		}
	}
	// The same browsers throughout, measured in short windows while the
	// command runs, so that the windows end soon after it does.
	browsers := newBrowsers(o, s.base)
	before := measure(browsers, s.base, db, 10*time.Second)
	fmt.Printf("before cleanup: %.0f req/s, p99 %s\n", before.rate(), before.percentile(0.99).Round(10*time.Microsecond))
	cmd := exec.Command(bin, "-clearsessions")
	cmd.Env = append(os.Environ(), "RANGO_DSN="+dsn)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	var took time.Duration
	go func() {
		err := cmd.Wait()
		took = time.Since(start)
		done <- err
	}()
	var during []result
	for finished := false; !finished; {
		during = append(during, measure(browsers, s.base, db, 250*time.Millisecond))
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("clearsessions: %v\n%s", err, out.String())
			}
			finished = true
		default:
		}
	}
	var reqs, errs int64
	var elapsed time.Duration
	var latencies []time.Duration
	for _, r := range during {
		reqs += r.requests
		errs += r.errors
		elapsed += r.elapsed
		latencies = append(latencies, r.latencies...)
	}
	slices.Sort(latencies)
	rate := float64(reqs) / elapsed.Seconds()
	fmt.Printf("clearsessions: %s", out.String())
	fmt.Printf("clearsessions took %s; site during cleanup %.0f req/s = %.0f%% of before, p99 %s, slowest %s, errors %d\n",
		took.Round(time.Millisecond), rate, 100*rate/before.rate(), percentile(latencies, 0.99).Round(10*time.Microsecond),
		percentile(latencies, 1).Round(10*time.Microsecond), errs)
	return nil
}
