package app

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"rango/models"
)

// pageCache keeps what every visitor's page shows alike (the top lists, a
// category with its pages) for a short time, so that a returning visitor's
// page view costs one database round trip: the session read. It is a
// cache, not state: each instance fills its own, this instance brings an
// entry up to date (or forgets it) as soon as it changes what it shows,
// and other instances show the change within the TTL. A zero TTL turns it
// off.
type pageCache struct {
	entries *expirable.LRU[string, cached] // nil when the cache is off
	ttl     time.Duration
	loads   singleflight.Group

	mu sync.Mutex // serialises changes of entries
	// changes counts the changes of each key, and purges those of all;
	// a load that began before one does not store what it read, which
	// may predate the change.
	changes map[string]uint64
	purges  uint64
}

// version tells whether key changed between two calls: the key itself,
// its group (updateGroup) or every key (forget with no keys).
type version struct{ changes, group, purges uint64 }

// version returns key's version now.
func (c *pageCache) version(key string) version {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.versionLocked(key)
}

// versionLocked is version with c.mu held.
func (c *pageCache) versionLocked(key string) version {
	group, _, _ := strings.Cut(key, ":")
	return version{c.changes[key], c.changes[group+":"], c.purges}
}

// cached is an entry with the time it was read from the database: an
// entry brought up to date in place still expires a TTL after that read,
// so that other instances' changes show.
type cached struct {
	value  any
	loaded time.Time
}

// pageCacheSize bounds the entries: the top lists and the categories.
const pageCacheSize = 4096

func newPageCache(ttl time.Duration) *pageCache {
	c := &pageCache{ttl: ttl, changes: map[string]uint64{}}
	if ttl > 0 {
		c.entries = expirable.NewLRU[string, cached](pageCacheSize, nil, ttl)
	}
	return c
}

// enabled tells whether the cache keeps entries (its TTL is not zero).
func (c *pageCache) enabled() bool { return c.entries != nil }

// lookup returns the entry under key if it is younger than the TTL.
func (c *pageCache) lookup(key string) (cached, bool) {
	e, ok := c.entries.Get(key)
	if !ok || time.Since(e.loaded) >= c.ttl {
		return cached{}, false
	}
	return e, true
}

// get returns the cached value under key, or loads it (once, however many
// requests ask at the same moment) and caches it.
func get[T any](c *pageCache, key string, load func() (T, error)) (T, error) {
	if c.entries == nil {
		return load()
	}
	if e, ok := c.lookup(key); ok {
		return e.value.(T), nil
	}
	v, err, _ := c.loads.Do(key, func() (any, error) {
		before, loaded := c.version(key), time.Now()
		v, err := load()
		if err == nil {
			c.mu.Lock()
			if c.versionLocked(key) == before {
				c.entries.Add(key, cached{value: v, loaded: loaded})
			}
			c.mu.Unlock()
		}
		return v, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// update brings the entry under key up to date with change, which returns
// the new value, or false when it cannot tell it without the database: the
// entry is then forgotten.
func update[T any](c *pageCache, key string, change func(T) (T, bool)) {
	if c.entries == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes[key]++
	changeLocked(c, key, change)
}

// updateGroup brings every entry of the group prefix (a key prefix ending
// in ":") up to date with change, as update does for one key. The loads in
// flight of every key of the group, held or not, do not store what they
// read: it may predate the change. One counter serves the whole group, so
// that keys made of what visitors type leave nothing behind.
func updateGroup[T any](c *pageCache, prefix string, change func(T) (T, bool)) {
	if c.entries == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes[prefix]++
	for _, key := range c.entries.Keys() {
		if strings.HasPrefix(key, prefix) {
			changeLocked(c, key, change)
		}
	}
}

// changeLocked replaces the entry under key with what change makes of it,
// keeping its load time, or forgets it when it has expired or change
// cannot tell; c.mu must be held.
func changeLocked[T any](c *pageCache, key string, change func(T) (T, bool)) {
	if e, ok := c.lookup(key); ok {
		if v, ok := change(e.value.(T)); ok {
			c.entries.Add(key, cached{value: v, loaded: e.loaded})
			return
		}
	}
	c.entries.Remove(key)
}

// forget drops the entries under keys, or all entries when no key is
// given, after this instance changed what they show.
func (c *pageCache) forget(keys ...string) {
	if c.entries == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(keys) == 0 {
		c.entries.Purge()
		c.purges++
	}
	for _, key := range keys {
		c.changes[key]++
		c.entries.Remove(key)
	}
}

// Keys of the cache's entries.
const (
	indexListsKey = "index-lists"
	suggestPrefix = "suggest:"
)

func categoryKey(slug string) string { return "category:" + slug }

// suggestKey is the key of the categories suggested for what was typed.
func suggestKey(q string) string { return suggestPrefix + q }

// pageLists is the data of the index_lists and category_pages partials.
// A category's list is shown a part at a time: PrevLink and NextLink lead
// to the parts before and after, when there are.
type pageLists struct {
	Categories []models.Category
	Pages      []models.Page
	PrevLink   string
	NextLink   string
}

// renderHTML renders a partial into HTML to put into a page. It is safe
// HTML: html/template escaped it.
func (a *App) renderHTML(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := a.views.Render(&buf, name, data); err != nil {
		return "", fmt.Errorf("app: render %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}

// topListLength is how many categories and pages the home page lists.
const topListLength = 5

// indexListsData is the home page's two top lists, rendered. Ranked holds
// one category more than the page shows, when there is one: it tells
// whether a change of likes reorders the list without asking the database
// (topAfterLike).
type indexListsData struct {
	HTML   template.HTML
	Ranked []models.Category
	Pages  []models.Page
}

// indexLists is the home page's two top lists, rendered.
func (a *App) indexLists(ctx context.Context) (template.HTML, error) {
	lists, err := get(a.cache, indexListsKey, func() (indexListsData, error) {
		cats, err := a.store.TopCategories(ctx, topListLength+1)
		if err != nil {
			return indexListsData{}, err
		}
		pages, err := a.store.TopPages(ctx, topListLength)
		if err != nil {
			return indexListsData{}, err
		}
		return a.renderIndexLists(indexListsData{Ranked: cats, Pages: pages})
	})
	return lists.HTML, err
}

// renderIndexLists renders the lists' HTML from their data.
func (a *App) renderIndexLists(lists indexListsData) (indexListsData, error) {
	shown := lists.Ranked[:min(len(lists.Ranked), topListLength)]
	var err error
	lists.HTML, err = a.renderHTML("index_lists", pageLists{Categories: shown, Pages: lists.Pages})
	return lists, err
}

// categoryPageData is a category with its pages, rendered, and the
// category page's content as a visitor who is not logged in sees it.
type categoryPageData struct {
	Category      models.Category
	PageList      template.HTML
	AnonymousMain template.HTML
}

// renderAnonymousMain renders the category page's content for a visitor
// who is not logged in, which depends on the category alone.
func (a *App) renderAnonymousMain(p categoryPageData) (categoryPageData, error) {
	var err error
	p.AnonymousMain, err = a.renderHTML("category_main",
		categoryPage{Category: p.Category, PageList: p.PageList, Like: likeButton{Category: p.Category}})
	return p, err
}

func (a *App) categoryWithPages(ctx context.Context, slug string) (categoryPageData, error) {
	return get(a.cache, categoryKey(slug), func() (categoryPageData, error) {
		cat, err := a.store.CategoryBySlug(ctx, slug)
		if err != nil {
			return categoryPageData{}, err
		}
		list, err := a.categoryPageList(ctx, cat, 1)
		if err != nil {
			return categoryPageData{}, err
		}
		return a.renderAnonymousMain(categoryPageData{Category: cat, PageList: list})
	})
}

// likesChanged brings the cached pages up to date after this instance
// changed a category's likes to the committed count cat.Likes: its page
// at once, the home page's ranking without the database when the new
// count leaves no doubt about its place.
func (a *App) likesChanged(cat models.Category) {
	update(a.cache, categoryKey(cat.Slug), func(p categoryPageData) (categoryPageData, bool) {
		p.Category.Likes = cat.Likes
		p, err := a.renderAnonymousMain(p)
		return p, err == nil
	})
	updateGroup(a.cache, suggestPrefix, func(cats []models.Category) ([]models.Category, bool) {
		return withLikes(cats, cat), true
	})
	update(a.cache, indexListsKey, func(lists indexListsData) (indexListsData, bool) {
		ranked, ok := topAfterLike(lists.Ranked, topListLength+1, cat.ID, cat.Likes)
		if !ok {
			return lists, false
		}
		lists.Ranked = ranked
		lists, err := a.renderIndexLists(lists)
		return lists, err == nil
	})
}

// topAfterLike returns the ranking of the most liked categories (likes
// descending, then name, as models.TopCategories orders them; up to n of
// them, n having been asked for) after category id's likes became likes,
// and whether that is certain without the database. It is not when the
// category ties with another (the database's collation orders names), when
// it may have passed a category beyond the ranking, or when it falls to
// the end of a ranking that leaves categories out.
func topAfterLike(ranked []models.Category, n int, id uint64, likes int64) ([]models.Category, bool) {
	complete := len(ranked) < n // every category is in it
	at := -1
	for i, c := range ranked {
		if c.ID == id {
			at = i
		}
	}
	if at < 0 {
		// Not ranked: it was at most level with the last.
		return ranked, !complete && len(ranked) > 0 && likes < ranked[len(ranked)-1].Likes
	}
	moved := ranked[at]
	moved.Likes = likes
	rest := append(append([]models.Category(nil), ranked[:at]...), ranked[at+1:]...)
	place := 0
	for place < len(rest) && rest[place].Likes > likes {
		place++
	}
	if place < len(rest) && rest[place].Likes == likes {
		return ranked, false // a tie: the names decide, in the database's collation
	}
	if place == len(rest) && !complete {
		return ranked, false // categories left out may rank above it now
	}
	return append(rest[:place], append([]models.Category{moved}, rest[place:]...)...), true
}

// withLikes returns cats with the likes of cat where it is among them; cats
// itself is shared by the requests that read it from the cache and stays
// as it is.
func withLikes(cats []models.Category, cat models.Category) []models.Category {
	i := slices.IndexFunc(cats, func(c models.Category) bool { return c.ID == cat.ID })
	if i < 0 {
		return cats
	}
	cats = slices.Clone(cats)
	cats[i].Likes = cat.Likes
	return cats
}

// suggestions returns the categories suggested for q (the start of a
// name), from the cache when it has them.
func (a *App) suggestions(ctx context.Context, q string) ([]models.Category, error) {
	return get(a.cache, suggestKey(q), func() ([]models.Category, error) {
		return a.store.SuggestCategories(ctx, q, maxSuggestions)
	})
}
