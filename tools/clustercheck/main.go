// Command clustercheck serves the health check HAProxy uses to take a
// MariaDB Galera node out of its pool while the node is not Synced (see
// internal/clustercheck). Run one next to each node:
//
//	CLUSTERCHECK_DSN='clustercheck:secret@tcp(127.0.0.1:3306)/' clustercheck -addr :9200
//
// and in haproxy.cfg: `option httpchk GET /` with `server n1 10.0.0.1:3306
// check port 9200`. The user needs no privileges (GRANT USAGE).
package main

import (
	"database/sql"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"

	"rango/internal/clustercheck"
)

func main() {
	addr := flag.String("addr", ":9200", "`host:port` to serve the check on")
	donor := flag.Bool("available-when-donor", false, "report a donor node as available")
	flag.Parse()
	dsn := os.Getenv("CLUSTERCHECK_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		log.Fatalf("clustercheck: CLUSTERCHECK_DSN: %v", err)
	}
	mc.Timeout, mc.ReadTimeout = time.Second, 2*time.Second
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		log.Fatalf("clustercheck: %v", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	srv := &http.Server{Addr: *addr, Handler: &clustercheck.Checker{DB: db, AvailableWhenDonor: *donor},
		ReadHeaderTimeout: 2 * time.Second}
	log.Printf("clustercheck serving on %s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
