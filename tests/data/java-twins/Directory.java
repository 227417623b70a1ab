import javax.naming.directory.*;
import javax.servlet.http.*;
import javax.xml.xpath.*;

public class Directory extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String user = request.getParameter("user");
        DirContext ctx = new InitialDirContext();
        SearchControls sc = new SearchControls();
        String filter = "(&(objectclass=person)(uid=" + user + "))";
        ctx.search("ou=users,dc=example", filter, sc); // vuln: ldap-injection
        ctx.search("ou=users,dc=example", "(&(objectclass=person)(uid=guest))", sc); // safe: ldap-injection
        String enc = org.owasp.esapi.ESAPI.encoder().encodeForLDAP(user);
        ctx.search("ou=users,dc=example", "(uid=" + enc + ")", sc); // safe: ldap-injection
        XPath xp = XPathFactory.newInstance().newXPath();
        String expr = "/users/user[@name='" + user + "']";
        xp.evaluate(expr, new org.xml.sax.InputSource("users.xml")); // vuln: xpath-injection
        xp.evaluate("/users/user[@name='guest']", new org.xml.sax.InputSource("users.xml")); // safe: xpath-injection
        javax.xml.xpath.XPath xp2 = javax.xml.xpath.XPathFactory.newInstance().newXPath();
        xp2.compile("/users/user[@id='" + request.getHeader("id") + "']"); // vuln: xpath-injection
    }
}

class LdapDao {
    boolean exists(javax.naming.directory.DirContext ctx, String username) throws Exception {
        ctx.search("dc=People", "(uid=" + username + ")", new SearchControls()); // vuln: ldap-injection
        String filter = "(&(objectClass=person)(cn=" + username + "))";
        ctx.search("dc=People", filter, new SearchControls()); // vuln: ldap-injection
        ctx.search("dc=People", "(uid=admin)", new SearchControls()); // safe: ldap-injection
        return true;
    }
}
