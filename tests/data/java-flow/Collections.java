import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.directory.DirContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;

public class Collections extends HttpServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("name");
        Map<String, Object> map = new HashMap<String, Object>();
        map.put("keyA", "a_Value");
        map.put("keyB", param);
        map.put("keyC", "another_Value");
        String safe = (String) map.get("keyA");
        String bad = (String) map.get("keyB");
        response.getWriter().println(safe); // safe: xss
        response.getWriter().println(bad); // vuln: xss

        List<String> list = new ArrayList<String>();
        list.add("safe");
        list.add(param);
        list.add("moresafe");
        list.remove(0);
        String fromList = list.get(1);
        String taintedFromList = list.get(0);
        XPath xp = XPathFactory.newInstance().newXPath();
        try {
            xp.evaluate("/users/user[@name='" + fromList + "']", (Object) null); // safe: xpath-injection
            xp.evaluate("/users/user[@name='" + taintedFromList + "']", (Object) null); // vuln: xpath-injection
        } catch (javax.xml.xpath.XPathExpressionException e) {
            throw new IOException(e);
        }
    }

    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("uid");
        String[] parts = new String[] {"ou=people", param};
        DirContext ctx = null;
        try {
            ctx.search("dc=example", "(uid=" + parts[0] + ")", null); // safe: ldap-injection
            ctx.search("dc=example", "(uid=" + parts[1] + ")", null); // vuln: ldap-injection
        } catch (javax.naming.NamingException e) {
            throw new IOException(e);
        }
    }
}

class BoundQueries {
    void lookup(javax.servlet.http.HttpServletRequest request, org.springframework.jdbc.core.JdbcTemplate template,
                javax.naming.directory.DirContext ctx) throws Exception {
        String user = request.getParameter("user");
        template.queryForList("SELECT * FROM t WHERE u = ?", new Object[] {user}); // safe: sql-injection
        ctx.search("dc=example", "(uid={0})", new Object[] {user}, null); // safe: ldap-injection
    }
}
