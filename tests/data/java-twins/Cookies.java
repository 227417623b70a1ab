import javax.servlet.http.*;

public class Cookies extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) {
        Cookie a = new Cookie("a", "1"); // vuln: insecure-cookie
        response.addCookie(a);
        javax.servlet.http.Cookie b = new javax.servlet.http.Cookie("b", "2"); // vuln: insecure-cookie
        b.setSecure(false);
        b.setHttpOnly(true);
        response.addCookie(b);
    }

    public void doGet(HttpServletRequest request, HttpServletResponse response) {
        Cookie c = new Cookie("c", "3"); // safe: insecure-cookie
        c.setSecure(true);
        c.setHttpOnly(true);
        response.addCookie(c);
        javax.servlet.http.Cookie d = new javax.servlet.http.Cookie("d", "4"); // safe: insecure-cookie
        d.setHttpOnly(true);
        d.setSecure(true);
        response.addCookie(d);
    }
}
