package models

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
)

// countingConnector wraps the MySQL driver's connector to count round
// trips to the server: statements, transaction begins and ends, pings.
// (With interpolateParams a statement is one round trip.) The count costs
// an atomic add; tests and the benchmark read it to keep the number of
// queries per page in check.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

// countingConn passes every call on to the driver's connection; the MySQL
// driver implements all the optional interfaces used here.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.n.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.Add(1)
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, c.n}, nil
}

func (c *countingConn) Ping(ctx context.Context) error {
	c.n.Add(1)
	return c.Conn.(driver.Pinger).Ping(ctx)
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *countingConn) IsValid() bool {
	return c.Conn.(driver.Validator).IsValid()
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

type countingTx struct {
	driver.Tx
	n *atomic.Int64
}

func (t countingTx) Commit() error {
	t.n.Add(1)
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.n.Add(1)
	return t.Tx.Rollback()
}

// RoundTrips returns how many round trips this store's pool has made to
// the database server since it was opened.
func (s *Store) RoundTrips() int64 {
	if s.trips == nil {
		return 0
	}
	return s.trips.Load()
}

// ServerStatements returns how many statements the database server has
// answered since it started, from all its clients: its Questions
// counter. Read twice, less this store's RoundTrips in between, it tells
// how busy other clients (the site's instances) keep the server.
func (s *Store) ServerStatements(ctx context.Context) (int64, error) {
	var name string
	var n int64
	err := s.db.WithContext(ctx).Raw("SHOW GLOBAL STATUS LIKE 'Questions'").Row().Scan(&name, &n)
	return n, translate(err, "server statements")
}
