"""A small camera-rental shop on 127.0.0.1, written for the content and persona tests.

What it is built to show (and the tests rely on):

* **Pricing three clicks deep behind weak labels**: `/` --"Learn more"--> `/products`
  --"Cameras"--> `/products/cameras` --"Details"--> `/products/cameras/plans`. Two of
  the three hops carry no scent of a pricing goal.
* **A hard page where it matters**: the plans page is written at a high reading level
  (long sentences, long words); the other pages are plain.
* **A heavy goal page**: the plans page references two images of 700 000 bytes each.
* **Barriers on the goal page**: its quote form has unlabelled fields (`label`) and its
  images have no alt text (`image-alt`).
* **Content defects**: `/faq` is thin, `/blog/first-steps-again` nearly repeats
  `/blog/first-steps`, and `/de/ueber-uns` is German under `<html lang="en">`.
* **Trust pages**: about, contact and privacy exist and are linked from every page;
  the site is served over plain HTTP (loopback).
"""

from __future__ import annotations

from tests.support.http_server import LocalHTTPServer, Reply

IMAGE_BYTES = 700_000
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

NAV = (
    '<header><nav aria-label="Main"><ul>'
    '<li><a href="/">Home</a></li><li><a href="/products">Shop</a></li>'
    '<li><a href="/blog">Journal</a></li><li><a href="/about">About us</a></li>'
    '<li><a href="/contact">Contact</a></li></ul></nav></header>'
)
FOOTER = (
    '<footer><p><a href="/privacy">Privacy policy</a> · <a href="/faq">Questions</a> · '
    '<a href="/de/ueber-uns">Deutsch</a></p><p>Lumen Camera Rental, 12 Mill Lane.</p></footer>'
)

HOME = """
<h1>Lumen Camera Rental</h1>
<p>We rent good cameras to people who want to take good photos. You do not need to buy
a camera for a holiday, a wedding or a school project. You can take one of ours for a
few days and bring it back when you are done. It is simple, and it costs less than you
think.</p>
<p>Every camera we lend is cleaned and checked before it leaves the shop. We charge the
battery, we format the card and we pack a strap, a spare battery and a small bag. If
you are new to cameras, we show you the main buttons before you go. It only takes ten
minutes, and most people feel ready after that.</p>
<p>You can pick up a camera at the shop on Mill Lane, or we can post it to you. Post
takes one or two days. When you are done, put the camera back in the box and drop it at
any post office. We pay for the return.</p>
<p>Our team loves photos. We are happy to help you choose the right camera for the
right day. Ask us anything in the shop, on the phone or by mail. We answer every
question, even the small ones, and we never push you to rent more than you need.</p>
<p><a href="/products">Learn more</a></p>
"""

PRODUCTS = """
<h1>Our range</h1>
<p>We keep about forty cameras and sixty lenses in the shop. Some are small and light,
so they fit in a coat pocket. Others are large and strong, for people who shoot sport,
birds or the night sky. All of them are in good shape, and we replace old ones every
year.</p>
<p>Most people start with one of our easy cameras. They have a big screen, clear menus
and a mode that sets everything for you. If you have used a camera before, you may want
one of our pro bodies with more control. We can also add a tripod, a flash or a
microphone to any rental.</p>
<p>Lenses are where the magic happens. A wide lens takes in a whole room or a whole
valley. A long lens brings a bird or a player close. A bright lens lets you take photos
in a dim church without a flash. We are glad to explain what each one does.</p>
<p>Have a look at the cameras first, then pick the lenses that suit your plans. If you
are not sure, come in and try them in the shop. Nothing is rented until you are happy
with it, and you can swap a lens during your rental for free.</p>
<ul><li><a href="/products/cameras">Cameras</a></li>
<li><a href="/products/lenses">See more</a></li></ul>
"""

CAMERAS = """
<h1>Cameras</h1>
<p>Our cameras come in three groups. The easy group is for people who want good photos
without thinking about settings. The travel group is small and tough, and it keeps
working in rain and dust. The pro group is for people who want full control over light,
focus and speed.</p>
<p>Every camera comes with two batteries, a charger, a memory card and a strap. We add a
short printed guide in plain words, with pictures of the buttons that matter. If you
lose the guide, the same pages are in the box as a card you can keep in your pocket.</p>
<p>Cameras can be rented for a day, a weekend, a week or a month. You can also extend a
rental by phone if your trip takes longer than you planned. We only ask that you tell us
before the last day, so that we can keep the camera free for you.</p>
<p>Not sure which group is right for you? Ask us in the shop or on the phone, and tell
us what you want to photograph. We will suggest two or three cameras and let you hold
them before you choose.</p>
<p>If something breaks, do not worry. Small knocks and scratches are part of using a
camera. Tell us what happened when you bring it back, and we will sort it out together.
Most repairs are covered, and we explain the rest before you rent.</p>
<p><a href="/products/cameras/plans">Details</a></p>
"""

PLANS = """
<h1>Camera rental plans and prices</h1>
<p>Rental charges depend on the category of equipment and the duration of the agreement. They also
include any additional accessories that the customer requests at the time of booking. Weekly
agreements are considerably cheaper per day than individual daily rentals.</p>
<p>A refundable security deposit is authorised on your payment card before dispatch. It
is calculated according to the replacement value of the selected configuration. It is
released after our technicians have verified the condition of the returned equipment.
Ordinary wear that results from reasonable use is excluded.</p>
<p>Cancellations received at least seven days before the collection date qualify for a
complete refund. Later cancellations incur an administrative charge. It is proportional
to the expected duration of the rental, as described in the conditions of every
confirmation.</p>
<p>Insurance against accidental damage is included in every professional category.
Customers renting easy or travel equipment may purchase equivalent protection for a
modest additional charge. It is recommended for international journeys and outdoor
activities, and for events where equipment is frequently transported.</p>
<p>Corporate customers, educational institutions and registered charities may request
individual quotations for extended agreements. Discounts are available for commitments
exceeding one month. They are subject to availability and to the approval of our
operations department.</p>
<table><caption>Daily prices</caption>
<tr><th scope="col">Group</th><th scope="col">Day</th><th scope="col">Week</th></tr>
<tr><td>Easy</td><td>£18</td><td>£80</td></tr>
<tr><td>Travel</td><td>£25</td><td>£110</td></tr>
<tr><td>Pro</td><td>£45</td><td>£190</td></tr></table>
<p><img src="/img/plans-hero.jpg"> <img src="/img/plans-detail.jpg"></p>
<h2>Request a quote</h2>
<form action="/quote" method="post"><input type="text" name="name" placeholder="Name">
<input type="email" name="email"><button type="submit">Send request</button></form>
"""

LENSES = """
<h1>Lenses</h1>
<p>A lens changes what a camera can see. We rent wide lenses for rooms and landscapes,
normal lenses for people and streets, and long lenses for sport and wildlife. Each one
fits the cameras in our range, and we put a note in the box that says which camera it
goes with.</p>
<p>If this is your first time with a lens, start with a normal one. It sees about what
your eyes see, so framing a photo feels natural. Later you can try a wide lens to fit
more in, or a long lens to bring far things closer. You will be surprised how much a
lens can change a picture.</p>
<p>Our bright lenses let in a lot of light. They are great for concerts, dim rooms and
evening walks, and they blur the background behind a face. They are a little heavier,
so we include a padded case and a cloth to keep the glass clean on the way.</p>
<p>You can swap a lens during your rental for free. Just bring it to the shop, tell us
what you want to try next, and take the new one with you. We clean every lens between
rentals and check the focus, so it is ready when you are.</p>
"""

ABOUT = """
<h1>About us</h1>
<p>Lumen Camera Rental started in a spare room above a bakery in 2014. Two friends had
more cameras than they could use, and people kept asking to borrow them. So they made it
a small business. Ten years later we have a shop on Mill Lane, six people on the team
and a few thousand happy customers.</p>
<p>We believe that good photos should not depend on owning an expensive camera. Renting
lets you try the right tool for each day, and it keeps good equipment in use instead of
in a drawer. We repair what we can and recycle what we cannot, and we buy used gear when
it is in good shape.</p>
<p>Our team includes a wedding photographer, a former camera repair technician, a
student of film and a very patient shop manager. Between us we have used almost every
camera on the shelves, and we are happy to share what we know with anyone who asks.</p>
<p>We are open six days a week and closed on Sundays. You can visit the shop, call us or
send a message through the contact page. We try to answer every message on the same day,
and we always reply within two working days.</p>
"""

CONTACT = """
<h1>Contact us</h1>
<p>You can reach us in the shop, by phone or by mail. The shop is at 12 Mill Lane, next
to the old bakery, and it is open from nine to six from Monday to Saturday. There is a
small car park behind the building and a bus stop at the end of the lane.</p>
<p>Call us on 01632 960 123 during opening hours. If we are busy with a customer, leave
a message and we will call you back the same day. You can also write to us with the
form below. Tell us what you want to shoot and when, and we will suggest a camera.</p>
<p>For a problem with a camera you have rented, call us first. We can often fix it over
the phone in a few minutes. If not, we will send a new camera or ask you to swap it in
the shop, whichever is quicker for you. There is never a charge for a swap.</p>
<p>We read every message ourselves. We do not sell your details, and we only write to
you about your rental unless you ask for our newsletter. Our privacy policy explains
what we keep, for how long and why.</p>
<form action="/message" method="post"><label for="c-name">Your name</label>
<input id="c-name" name="name"><label for="c-mail">Your email</label>
<input id="c-mail" type="email" name="email"><button type="submit">Send message</button></form>
"""

PRIVACY = """
<h1>Privacy policy</h1>
<p>This policy explains which details we keep when you rent from us, why we keep them
and for how long. We keep your name, address, phone number and mail address so that we
can send a camera, remind you of the return date and contact you about a problem.</p>
<p>When you pay, the card details go straight to our payment provider. We never see or
keep the full card number. We keep a record of what you rented and what you paid for six
years, because the tax office asks us to.</p>
<p>We do not sell or share your details with anyone for advertising. We only share them
with the post service that carries your parcel and with our payment provider, and only
what they need to do their part. Both of them follow the same data protection law as we
do.</p>
<p>You can ask us at any time what we know about you, and you can ask us to correct or
delete it. Write to us through the contact page or ask in the shop. We answer within one
month. If you think we have not handled your details well, you can complain to the data
protection office.</p>
"""

FIRST_STEPS = """
<h1>{title}</h1>
<p>Taking your first photos with a rented camera can feel strange. The camera is new,
the buttons are in new places, and you want to get it right on the day. Here are a few
simple steps that help almost everyone feel at home with a camera in an hour.</p>
<p>First, charge both batteries the evening before. Put the memory card in and take a
few test photos at home. Look at them on a big screen. Are they sharp? Are they too dark
or too bright? It is much easier to fix these things at home than at a wedding.</p>
<p>Second, use the easy mode for the first day. It chooses the settings for you, and it
is very good at it. Spend your attention on the people and the light instead of the
menus. You can try the other modes later, when you know the camera a little better.</p>
<p>Third, hold the camera with both hands and keep your elbows close to your body. This
keeps the camera still and your photos sharp. Take more photos than you think you need.
The card holds thousands, and the best moment is often the one just after you expect.</p>
<p>Finally, enjoy it. A camera is a reason to look closely at the world. Take your time,
walk around the thing you want to photograph, and try a few angles before you move on.</p>
"""

BLOG = """
<h1>Journal</h1>
<p>Notes from the shop: tips for first-time renters, stories from our customers and the
occasional review of a new camera or lens. We write a new post about once a month, and
we keep the old ones here so that you can find them again when you need them.</p>
<ul><li><a href="/blog/first-steps">First steps with a rented camera</a></li>
<li><a href="/blog/first-steps-again">First steps with a rented camera, again</a></li></ul>
<p>If you have a question you would like us to answer in a post, send it through the
contact page. We read all of them, and some of our best posts started as a question
from a customer who was not sure where to begin with a camera they had just rented.</p>
<p>You do not need to be an expert to enjoy these posts. We write them for people who
love pictures and want to take better ones, whatever camera they carry. Most posts take
five minutes to read and come with a few photos taken by our team or our customers.</p>
<p>Every post has a short list of the cameras and lenses we used, so that you can rent
the same ones and try the same ideas yourself on your next trip or weekend away.</p>
<p>Photos in the journal are used with permission. If you would like to share yours,
tell us in the shop or by mail, and we will ask before we publish anything.</p>
"""

FAQ = """
<h1>Questions</h1>
<p>Do I need a deposit? Yes, for every rental. Can I extend? Yes, by phone. Is insurance
included? Small damage is covered.</p>
"""

GERMAN = """
<h1>Über uns</h1>
<p>Lumen Camera Rental begann 2014 in einem kleinen Zimmer über einer Bäckerei. Zwei
Freunde hatten mehr Kameras, als sie benutzen konnten, und viele Leute fragten, ob sie
eine ausleihen dürften. Daraus wurde ein kleines Geschäft mit einem Laden in der
Mühlengasse, sechs Leuten im Team und ein paar tausend zufriedenen Kunden.</p>
<p>Wir glauben, dass gute Fotos nicht von einer teuren Kamera abhängen sollten. Wer
mietet, kann für jeden Tag das passende Werkzeug ausprobieren, und gute Geräte liegen
nicht ungenutzt in einer Schublade. Wir reparieren, was wir können, und kaufen
gebrauchte Kameras, wenn sie in gutem Zustand sind.</p>
<p>Unser Team besteht aus einer Hochzeitsfotografin, einem ehemaligen Techniker für
Kamerareparaturen, einer Filmstudentin und einem sehr geduldigen Ladenleiter. Zusammen
haben wir fast jede Kamera in unseren Regalen benutzt, und wir teilen gern, was wir
wissen, mit allen, die uns fragen. Der Laden ist an sechs Tagen in der Woche geöffnet und
am Sonntag geschlossen. Sie können uns besuchen, anrufen oder eine Nachricht über die
Kontaktseite schicken. Wir beantworten jede Nachricht möglichst am selben Tag und immer
innerhalb von zwei Werktagen. Für Fragen zu einer gemieteten Kamera rufen Sie uns bitte
zuerst an, denn oft lässt sich ein Problem in wenigen Minuten am Telefon lösen.</p>
"""


def page(title: str, main: str, *, lang: str = "en", description: str | None = None) -> str:
    description = description or f"{title} at Lumen Camera Rental, the camera hire shop on " \
                                  "Mill Lane: cameras and lenses for a day, a week or a month."
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} | Lumen Camera Rental</title>"
        f'<meta name="description" content="{description}">{VIEWPORT}</head>'
        f"<body>{NAV}<main>{main}</main>{FOOTER}</body></html>"
    )


PAGES: dict[str, tuple[str, str]] = {
    "/": ("Rent a camera for your next trip", HOME),
    "/products": ("Our range of cameras and lenses", PRODUCTS),
    "/products/cameras": ("Cameras to rent", CAMERAS),
    "/products/cameras/plans": ("Camera rental plans and prices", PLANS),
    "/products/lenses": ("Lenses to rent", LENSES),
    "/about": ("About us", ABOUT),
    "/contact": ("Contact us", CONTACT),
    "/privacy": ("Privacy policy", PRIVACY),
    "/blog": ("Journal", BLOG),
    "/blog/first-steps": ("First steps with a rented camera",
                          FIRST_STEPS.format(title="First steps with a rented camera")),
    "/blog/first-steps-again": ("First steps with a rented camera, again",
                                FIRST_STEPS.format(title="First steps, again")),
    "/faq": ("Questions", FAQ),
    "/de/ueber-uns": ("Über uns", GERMAN),
}
GOAL_PAGE = "/products/cameras/plans"


class ShopSite(LocalHTTPServer):
    """The shop on a random loopback port (a LocalHTTPServer with its routes set)."""

    def __enter__(self) -> ShopSite:
        super().__enter__()
        for path, (title, main) in PAGES.items():
            self.route(path, Reply(200, page(title, main),
                                   {"Content-Type": "text/html; charset=utf-8"}))
        image = Reply(200, b"\xff\xd8" + b"\0" * (IMAGE_BYTES - 2), {"Content-Type": "image/jpeg"})
        self.route("/img/plans-hero.jpg", image)
        self.route("/img/plans-detail.jpg", image)
        self.route("/robots.txt", Reply(200, "User-agent: *\nAllow: /\n",
                                        {"Content-Type": "text/plain"}))
        return self

    @property
    def host_port(self) -> str:
        return self.authority
