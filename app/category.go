package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/web"
)

// categoryPage is the data of pages/category.
type categoryPage struct {
	web.Base
	Category models.Category
	PageList template.HTML
	Like     likeButton
	// Main is the content rendered for a visitor who is not logged in,
	// from the page cache; empty for a logged-in one.
	Main template.HTML
}

// errNoCategory answers a slug that names no category.
var errNoCategory = web.NewError(fiber.StatusNotFound, "There is no category at this address.")

// slugOf reads the slug in the URL.
func slugOf(c *fiber.Ctx) (string, error) {
	slug, err := url.PathUnescape(c.Params("slug"))
	if err != nil || len(slug) > 160 {
		return "", errNoCategory
	}
	return slug, nil
}

// categoryBySlug finds the category named in the URL, or answers 404. It
// comes from the page cache when that is on, as the category's page does:
// what changes the category (a like, a page added) works on its ID and
// writes the counts anew.
func (a *App) categoryBySlug(c *fiber.Ctx) (models.Category, error) {
	slug, err := slugOf(c)
	if err != nil {
		return models.Category{}, err
	}
	var cat models.Category
	if a.cache.enabled() {
		var found categoryPageData
		found, err = a.categoryWithPages(c.UserContext(), slug)
		cat = found.Category
	} else {
		cat, err = a.store.CategoryBySlug(c.UserContext(), slug)
	}
	if errors.Is(err, models.ErrNotFound) {
		return cat, errNoCategory
	}
	return cat, err
}

// categoryListSize is how many of a category's pages its page lists at
// a time, most viewed first; ?page=2 and on list the rest.
const categoryListSize = 20

// maxListPart bounds ?page= (it is a deep OFFSET).
const maxListPart = 10_000

// errNoListPart answers a ?page= that is not one of the category's.
var errNoListPart = web.NewError(fiber.StatusNotFound,
	"This category's list of pages has no such part. Its first part is at the category's own address.")

// listPart reads ?page=, the part of the category's list to show (1 when
// absent).
func listPart(c *fiber.Ctx) (int, error) {
	v := c.Query("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListPart {
		return 0, errNoListPart
	}
	return n, nil
}

// categoryPageList renders part n (from 1) of the category's list of
// pages with the links to the parts beside it; errNoListPart when there
// are no pages that far.
func (a *App) categoryPageList(ctx context.Context, cat models.Category, n int) (template.HTML, error) {
	pages, err := a.store.PagesByCategory(ctx, cat.ID, (n-1)*categoryListSize, categoryListSize+1)
	if err != nil {
		return "", err
	}
	if n > 1 && len(pages) == 0 {
		return "", errNoListPart
	}
	list := pageLists{Pages: pages[:min(len(pages), categoryListSize)]}
	base := "/category/" + url.PathEscape(cat.Slug)
	if n == 2 {
		list.PrevLink = base
	} else if n > 2 {
		list.PrevLink = base + "?page=" + strconv.Itoa(n-1)
	}
	if len(pages) > categoryListSize {
		list.NextLink = base + "?page=" + strconv.Itoa(n+1)
	}
	return a.renderHTML("category_pages", list)
}

// showCategory lists a category's pages, a part at a time.
func (a *App) showCategory(c *fiber.Ctx) error {
	slug, err := slugOf(c)
	if err != nil {
		return err
	}
	part, err := listPart(c)
	if err != nil {
		return err
	}
	found, err := a.categoryWithPages(c.UserContext(), slug)
	if errors.Is(err, models.ErrNotFound) {
		return a.renamedCategory(c, slug)
	}
	if err != nil {
		return err
	}
	cat := found.Category
	title := cat.Name
	if part > 1 {
		if found.PageList, err = a.categoryPageList(c.UserContext(), cat, part); err != nil {
			return err
		}
		found.AnonymousMain = ""
		title = fmt.Sprintf("%s (part %d)", cat.Name, part)
	}
	data := categoryPage{Base: web.BaseOf(c, title, ""), Category: cat, PageList: found.PageList}
	data.Like = likeButton{Category: cat, CSRFToken: data.CSRFToken, LoggedIn: data.User != nil}
	if data.User == nil {
		data.Main = found.AnonymousMain
	} else {
		if data.Like.Liked, err = a.store.HasLiked(c.UserContext(), data.User.ID, cat.ID); err != nil {
			return err
		}
	}
	return web.Render(c, fiber.StatusOK, "pages/category", data)
}

// likeButton is the data of the like_button and like_changed partials.
type likeButton struct {
	Category  models.Category
	Liked     bool
	CSRFToken string
	LoggedIn  bool
	// Announcement is said by screen readers after a change.
	Announcement string
}

// renamedCategory answers an address with a category's old slug with a
// permanent redirect to its new one (shared links keep working), and any
// other unknown slug with 404.
func (a *App) renamedCategory(c *fiber.Ctx, slug string) error {
	cat, err := a.store.CategoryByOldSlug(c.UserContext(), slug)
	if errors.Is(err, models.ErrNotFound) {
		return errNoCategory
	}
	if err != nil {
		return err
	}
	return c.Redirect("/category/"+url.PathEscape(cat.Slug), fiber.StatusMovedPermanently)
}

// likeAnnouncement says what a like or unlike did.
func likeAnnouncement(cat models.Category, like bool) string {
	count := fmt.Sprintf("%d likes", cat.Likes)
	if cat.Likes == 1 {
		count = "1 like"
	}
	if like {
		return fmt.Sprintf("You like %s. It has %s.", cat.Name, count)
	}
	return fmt.Sprintf("You no longer like %s. It has %s.", cat.Name, count)
}

func (a *App) likeCategory(c *fiber.Ctx) error   { return a.changeLike(c, true) }
func (a *App) unlikeCategory(c *fiber.Ctx) error { return a.changeLike(c, false) }

// changeLike records or takes back the user's like. htmx gets the new
// button; a browser without JavaScript goes back to the category.
func (a *App) changeLike(c *fiber.Ctx, like bool) error {
	cat, err := a.categoryBySlug(c)
	if err != nil {
		return err
	}
	user, err := web.UserOf(c)
	if err != nil {
		return err
	}
	change := a.store.UnlikeCategory
	if like {
		change = a.store.LikeCategory
	}
	if cat.Likes, err = change(c.UserContext(), user.ID, cat.ID); err != nil {
		return err
	}
	a.likesChanged(cat)
	if !web.IsHTMX(c) {
		return c.Redirect("/category/"+cat.Slug, fiber.StatusSeeOther)
	}
	base := web.BaseOf(c, "", "")
	return web.RenderPartial(c, fiber.StatusOK, "like_changed",
		likeButton{Category: cat, Liked: like, CSRFToken: base.CSRFToken, LoggedIn: true, Announcement: likeAnnouncement(cat, like)})
}

// addCategoryPage is the data of pages/add_category.
type addCategoryPage struct {
	web.Base
	Name   string
	Errors fieldErrors
}

// addCategoryForm shows the form, with the name filled in from ?name=
// (the search's "add it" link).
func (a *App) addCategoryForm(c *fiber.Ctx) error {
	var prefill string
	errs := fieldErrors{}
	if name := errs.text(c, "name", "The name", models.MaxCategoryName, false); len(errs) == 0 {
		prefill = name
	} // else a hand-made link: the form starts empty
	return web.Render(c, fiber.StatusOK, "pages/add_category",
		addCategoryPage{Base: web.BaseOf(c, "Add a category", "add_category"), Name: prefill, Errors: fieldErrors{}})
}

// addCategory creates a category; a taken name is refused with a message.
func (a *App) addCategory(c *fiber.Ctx) error {
	errs := fieldErrors{}
	name := errs.text(c, "name", "The name", models.MaxCategoryName, true)
	if len(errs) == 0 {
		cat, err := a.store.CreateCategory(c.UserContext(), name)
		switch {
		case err == nil:
			// The new name may start with anything typed in the search box:
			// every entry goes (new categories are rare).
			a.cache.forget()
			web.SetFlash(c, "cat_added")
			return web.Redirect(c, "/category/"+cat.Slug)
		case errors.Is(err, models.ErrDuplicate):
			errs["name"] = web.CategoryTaken
		default:
			return err
		}
	}
	data := addCategoryPage{Base: web.BaseOf(c, "Add a category", "add_category"), Name: name, Errors: errs}
	return web.Render(c, fiber.StatusUnprocessableEntity, "pages/add_category", data)
}

// addPagePage is the data of pages/add_page. The form's fields are in
// Form: a Title field here would hide the page's own (web.Base.Title).
type addPagePage struct {
	web.Base
	Category models.Category
	Form     pageForm
	Errors   fieldErrors
}

// pageForm is what the visitor typed into the add-a-page form.
type pageForm struct {
	Title, URL string
}

func (a *App) addPageForm(c *fiber.Ctx) error {
	cat, err := a.categoryBySlug(c)
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "pages/add_page",
		addPagePage{Base: web.BaseOf(c, "Add a page to "+cat.Name, ""), Category: cat, Errors: fieldErrors{}})
}

// addPage adds a page to a category.
func (a *App) addPage(c *fiber.Ctx) error {
	cat, err := a.categoryBySlug(c)
	if err != nil {
		return err
	}
	errs := fieldErrors{}
	form := pageForm{
		Title: errs.text(c, "title", "The title", models.MaxPageTitle, true),
		URL:   errs.text(c, "url", "The URL", models.MaxPageURL, true),
	}
	link := errs.webURL("url", "The URL", form.URL)
	if len(errs) == 0 {
		if _, err := a.store.CreatePage(c.UserContext(), cat.ID, form.Title, link); err != nil {
			return err
		}
		a.cache.forget(indexListsKey, categoryKey(cat.Slug))
		web.SetFlash(c, "page_added")
		return web.Redirect(c, "/category/"+cat.Slug)
	}
	data := addPagePage{Base: web.BaseOf(c, "Add a page to "+cat.Name, ""), Category: cat, Form: form, Errors: errs}
	return web.Render(c, fiber.StatusUnprocessableEntity, "pages/add_page", data)
}
