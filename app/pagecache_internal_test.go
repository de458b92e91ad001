package app

import (
	"slices"
	"testing"
	"time"

	"rango/models"
)

// ranking makes categories with IDs 1, 2, … and the given likes.
func ranking(likes ...int64) []models.Category {
	cats := make([]models.Category, len(likes))
	for i, n := range likes {
		cats[i] = models.Category{ID: uint64(i + 1), Likes: n}
	}
	return cats
}

// order is a ranking's IDs, top first.
func order(cats []models.Category) []uint64 {
	ids := make([]uint64, len(cats))
	for i, c := range cats {
		ids[i] = c.ID
	}
	return ids
}

// TestTopAfterLike: a change of likes reorders the cached ranking only
// when the new place is certain; otherwise the database is asked again.
func TestTopAfterLike(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ranked  []models.Category
		id      uint64
		likes   int64
		want    []uint64 // nil: not certain
		wantTop int64    // likes of the first after the change
	}{
		{"a like that keeps the place", ranking(30, 20, 10, 5, 3, 1), 3, 11, []uint64{1, 2, 3, 4, 5, 6}, 30},
		{"a like that passes two", ranking(30, 20, 10, 5, 3, 1), 4, 25, []uint64{1, 4, 2, 3, 5, 6}, 30},
		{"a like to the top", ranking(30, 20, 10, 5, 3, 1), 6, 31, []uint64{6, 1, 2, 3, 4, 5}, 31},
		{"an unlike that falls behind one", ranking(30, 20, 10, 5, 3, 1), 1, 19, []uint64{2, 1, 3, 4, 5, 6}, 20},
		{"a tie: the names decide", ranking(30, 20, 10, 5, 3, 1), 4, 20, nil, 0},
		{"an unlike to the end of a partial ranking", ranking(30, 20, 10, 5, 3, 1), 5, 0, nil, 0},
		{"an unlike to the end of a complete ranking", ranking(30, 20, 10), 1, 2, []uint64{2, 3, 1}, 20},
		{"a like outside, still below", ranking(30, 20, 10, 5, 3, 2), 9, 1, []uint64{1, 2, 3, 4, 5, 6}, 30},
		{"a like outside, level with the last", ranking(30, 20, 10, 5, 3, 2), 9, 2, nil, 0},
		{"a like outside, above the last", ranking(30, 20, 10, 5, 3, 2), 9, 4, nil, 0},
		{"a category the complete ranking lacks", ranking(30, 20), 9, 0, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.ranked)
			got, ok := topAfterLike(tc.ranked, 6, tc.id, tc.likes)
			if !slices.Equal(tc.ranked, before) {
				t.Errorf("the cached ranking was changed in place: %v", tc.ranked)
			}
			if ok != (tc.want != nil) {
				t.Fatalf("certain = %v, want %v (%v)", ok, tc.want != nil, order(got))
			}
			if !ok {
				return
			}
			if !slices.Equal(order(got), tc.want) || got[0].Likes != tc.wantTop {
				t.Errorf("ranking %v with %d likes on top, want %v with %d", order(got), got[0].Likes, tc.want, tc.wantTop)
			}
			for _, c := range got {
				if c.ID == tc.id && c.Likes != tc.likes {
					t.Errorf("the changed category has %d likes, want %d", c.Likes, tc.likes)
				}
			}
		})
	}
}

// TestGroupChangeStopsLoadsInFlight: a load of a key the cache does not
// hold yet that began before its group changed does not store what it
// read; one of another group, or one that began after, does. A group's
// change counts under the group alone, not under each of its keys.
func TestGroupChangeStopsLoadsInFlight(t *testing.T) {
	c := newPageCache(time.Minute)
	loadDuring := func(key string, during func()) {
		_, _ = get(c, key, func() (int, error) {
			during()
			return 1, nil
		})
	}
	changeGroup := func() { updateGroup(c, suggestPrefix, func(v int) (int, bool) { return v, true }) }
	loadDuring(suggestKey("Py"), changeGroup)
	loadDuring(categoryKey("python"), changeGroup)
	loadDuring(suggestKey("Dj"), func() {})
	for key, want := range map[string]bool{suggestKey("Py"): false, categoryKey("python"): true, suggestKey("Dj"): true} {
		if _, ok := c.lookup(key); ok != want {
			t.Errorf("%s cached: %v, want %v", key, ok, want)
		}
	}
	for range 3 {
		updateGroup(c, suggestPrefix, func(v int) (int, bool) { return v + 1, true })
	}
	if e, _ := c.lookup(suggestKey("Dj")); e.value != 4 {
		t.Errorf("after three group updates the entry is %v, want 4", e.value)
	}
	if len(c.changes) != 1 {
		t.Errorf("the cache counts changes under %d keys, want 1 (the group): %v", len(c.changes), c.changes)
	}
}

// TestWithLikes changes the likes of the category in a copy, never in
// the list the cache shares.
func TestWithLikes(t *testing.T) {
	shared := ranking(3, 5, 7)
	got := withLikes(shared, models.Category{ID: 2, Likes: 6})
	if got[1].Likes != 6 || shared[1].Likes != 5 {
		t.Errorf("likes %d in the copy and %d in the shared list, want 6 and 5", got[1].Likes, shared[1].Likes)
	}
	if same := withLikes(shared, models.Category{ID: 9, Likes: 1}); !slices.Equal(order(same), order(shared)) || same[0].Likes != 3 {
		t.Error("a category not in the list changed it")
	}
}
