package org.owasp.benchmark.testcode;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class BenchmarkTest00001 extends javax.servlet.http.HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("vector");
        String sql = "SELECT * FROM users WHERE name = '" + param + "'";
        java.sql.Statement st = org.owasp.benchmark.helpers.DB.getConnection().createStatement();
        st.executeQuery(sql);
    }
}
