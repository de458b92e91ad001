package web

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the reverse proxies whose X-Forwarded-For is believed.
type Proxies struct {
	prefixes []netip.Prefix
}

// NewProxies parses IP addresses and CIDR ranges.
func NewProxies(list []string) (Proxies, error) {
	var p Proxies
	for _, s := range list {
		if pre, err := netip.ParsePrefix(s); err == nil {
			p.prefixes = append(p.prefixes, pre.Masked())
			continue
		}
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return Proxies{}, fmt.Errorf("web: trusted proxy %q: %w", s, err)
		}
		p.prefixes = append(p.prefixes, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
	}
	return p, nil
}

func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pre := range p.prefixes {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// clientIPLocal is the fiber.Ctx local holding the client's address.
type clientIPLocal struct{}

// Middleware records each request's client address. A request from a
// trusted proxy is traced back through X-Forwarded-For from the right,
// past the trusted proxies, to the first address they did not add: the
// entries further left came from the client and could be forged.
func (p Proxies) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(clientIPLocal{}, p.clientIP(c))
		return c.Next()
	}
}

func (p Proxies) clientIP(c *fiber.Ctx) string {
	remote, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	remote = remote.Unmap()
	if len(p.prefixes) == 0 || !p.trusted(remote) {
		return remote.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !p.trusted(client) {
			break
		}
	}
	return client.String()
}

// ClientIP returns the client's address as Middleware worked it out.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPLocal{}).(string); ok {
		return ip
	}
	return c.IP()
}
