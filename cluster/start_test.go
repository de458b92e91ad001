package cluster_test

import (
	"sync"
	"testing"

	"rango/internal/testsite"
)

// Instances started at once on an empty database, spread over the three
// nodes (where GET_LOCK serialises nothing) or going through HAProxy, all
// come up, and the sample data is there once.
func TestConcurrentStart(t *testing.T) {
	for name, addrs := range map[string][]string{
		"on every node": {cluster.Nodes[0].Addr(), cluster.Nodes[1].Addr(), cluster.Nodes[2].Addr(),
			cluster.Nodes[0].Addr(), cluster.Nodes[1].Addr(), cluster.Nodes[2].Addr()},
		"through haproxy": {cluster.MultiWriterAddr(), cluster.MultiWriterAddr(), cluster.MultiWriterAddr(), cluster.MultiWriterAddr()},
	} {
		t.Run(name, func(t *testing.T) {
			db := newDatabase("start")
			sites := make([]*testsite.Site, len(addrs))
			var wg sync.WaitGroup
			for i, addr := range addrs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					site, err := testsite.TryStart(t, dsn(t, addr, db), nil)
					if err != nil {
						t.Errorf("instance %d on %s: %v", i, addr, err)
						return
					}
					sites[i] = site
				}()
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			var cats, pages, versions int64
			store := sites[0].Store.DB()
			store.Raw("SELECT COUNT(*) FROM categories").Scan(&cats)
			store.Raw("SELECT COUNT(*) FROM pages").Scan(&pages)
			store.Raw("SELECT COUNT(*) FROM rango_schema").Scan(&versions)
			if cats != 9 || pages != 8 || versions != 1 {
				t.Errorf("%d categories, %d pages, %d schema versions; want 9, 8 and 1", cats, pages, versions)
			}
			for _, s := range sites {
				testsite.WantStatus(t, s.NewClient(t).Get("/category/python"), 200)
			}
			noErrorsLogged(t, sites...)
		})
	}
}
