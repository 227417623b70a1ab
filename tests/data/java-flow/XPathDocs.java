import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class XPathDocs extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("id");
        java.util.Map<String, String> picks = new java.util.HashMap<String, String>();
        picks.put("fixed", "42");
        picks.put("given", param);
        try {
            javax.xml.parsers.DocumentBuilder builder = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder();
            org.w3c.dom.Document doc = builder.parse(new java.io.File("/etc/app/staff.xml"));
            javax.xml.xpath.XPath xp = javax.xml.xpath.XPathFactory.newInstance().newXPath();
            String safeExpr = "/staff/person[@id='" + picks.get("fixed") + "']";
            String badExpr = "/staff/person[@id='" + picks.get("given") + "']";
            String a = xp.compile(safeExpr).evaluate(doc); // safe: xpath-injection
            String b = xp.compile(badExpr).evaluate(doc); // vuln: xpath-injection
            response.getWriter().println(a.length() + b.length());
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
